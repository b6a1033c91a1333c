import type { CommandInput, CommandOutput } from '../../../../shared/api';
import { explorerMaxIndices, type ExplorerInfo } from '../../../../shared/explorer';
import {
  LatestWins,
  base64Bytes,
  interpolate,
  pixelsHash,
  putPixels,
  round4,
  sliderRanges,
  traverse,
  type Strip,
} from '../../lib/explore';
import {
  afterSuccess,
  decodeRequest,
  editedSource,
  interpolationCaption,
  maxStripSteps,
  meanCode,
  mostCommonLabel,
  reopenedNotice,
  sampleStart,
  withClass,
  sessionEnded,
  stripName,
  stripRequest,
  stripRows,
  stripSteps,
  traversalCaption,
  type CallErrors,
  type ExploreAction,
  type SelectedCodes,
  type StripPath,
} from '../../lib/explore-codes';
import { KeptPerRun, runKey } from '../../lib/kept-per-run';
import { studio } from '../../lib/studio.svelte';
import { untrack } from 'svelte';

/** Test images in the thumbnail strip at a time. */
export const thumbCount = 16;

type Want = { z: number[]; label: number };
type Point = { z: number[]; label: number; what: string };
export type Thumb = { index: number; png: string; code: number[]; label: number | null };
/** A strip, its file name and caption, and the epoch of the checkpoint it was decoded from. */
export type NamedStrip = Strip & { name: string; caption: string; epoch: number };

/** What the strips' card holds of a run: its strips and its points A and B. */
type StripsCard = { strips: NamedStrip[]; pointA: Point | null; pointB: Point | null };
/** The strips' cards of the last few runs explored, found again when the user comes back to one. */
const keptCards = new KeptPerRun<StripsCard>(8);

/**
 * The explore view's state: the run's explorer session (opened again once when it ends), the sliders' code and class
 * and the images decoded from them, the test images to start from, and the interpolation and traversal strips. Made
 * while the view's component starts: its effect opens the session, and closes it when the view goes.
 */
export class ExploreState {
  /** How decoded images travel: raw 8-bit pixels drawn with putImageData (the default), or PNGs the page decodes. */
  private readonly transfer = localStorage.getItem('latent-studio.explorer.transfer') === 'png' ? 'png' : 'raw';
  /** How calls travel: on the open event socket (the default), or a request each (the bench compares them). */
  private readonly live = localStorage.getItem('latent-studio.explorer.channel') !== 'http';

  info = $state.raw<ExplorerInfo | null>(null);
  private sessionId: string | null = null;
  openError = $state<string | null>(null);
  notice = $state<string | null>(null);
  /**
   * The explorer calls that failed, the latest of each kind: a later success of the same kind clears it, another
   * kind's does not (a failed interpolation stays said while the sliders decode); a model opened again clears all.
   */
  callErrors = $state<CallErrors>({});
  z = $state<number[]>([]);
  label = $state(0);
  /** Where the sliders started from, in words. */
  source = $state('');
  /** The code and class the images show now (what was decoded, not what the sliders say while a decode is on its way). */
  shown = $state.raw<{ z: number[]; label: number; ms: number } | null>(null);
  thumbs = $state.raw<Thumb[]>([]);
  thumbOffset = $state(0);
  pickIndex = $state(0);
  seed = $state(1);
  private readonly canvases: (HTMLCanvasElement | null)[] = [];

  readonly family = $derived(this.info ? studio.family(this.info.family) : undefined);
  /** A VAE family: its prior is N(0, I), and the sliders span ±3 at least. */
  readonly hasPrior = $derived(this.family?.evaluation.likelihood ?? false);
  readonly ranges = $derived(this.info ? sliderRanges(this.info, this.hasPrior) : []);
  readonly decoders = $derived(this.info?.decoders ?? ['default']);
  readonly classNames = $derived(
    this.info ? Array.from({ length: this.info.classes }, (_, c) => this.info?.labelNames?.[c] ?? String(c)) : ([] as string[]),
  );

  private reopening: Promise<void> | null = null;
  private readonly runId: () => number;
  /** Counts the view's departures: a call begun before one never opens a session again for a view that has gone. */
  private departures = 0;

  /**
   * Whether the run has stopped: a session opened while it trained decodes the checkpoint it had then, so the model
   * is opened again on its last one once it stops (a boolean: the run's other changes open nothing).
   */
  private readonly runStopped = $derived.by(() => studio.hasStopped(this.runId()));

  /** The key the strips' card is kept under: null until the studio's list holds the run (its creation time tells it apart). */
  private readonly cardKey = $derived.by(() => {
    const id = this.runId();
    const run = studio.runs.find((r) => r.id === id);
    return run ? runKey(id, run.createdAt) : null;
  });
  /** The run whose card the view holds. */
  private cardRun: number | null = null;

  constructor(runId: () => number) {
    this.runId = runId;
    // The strips and points of a run explored before come back with it; another run's go.
    $effect(() => {
      const key = this.cardKey;
      untrack(() => this.restoreCard(key));
    });
    $effect(() => {
      const card = { strips: this.strips, pointA: this.pointA, pointB: this.pointB };
      untrack(() => this.keepCard(card));
    });
    $effect(() => {
      runId();
      void this.runStopped;
      this.openError = null;
      this.callErrors = {};
      let gone = false;
      this.openSession().then(
        async () => {
          const ticket = ++this.starts;
          await this.loadThumbs(0);
          // A projector selection made while the model was opening is where the sliders start.
          const waiting = this.waitingSelection;
          this.waitingSelection = null;
          if (waiting && ticket === this.starts) return void this.useSelection(waiting);
          const first = this.thumbs[0];
          // A start chosen while the thumbnails were encoded (a sample, a projector point) stays.
          if (first && ticket === this.starts) this.startFrom(first.code, first.label, `test image ${first.index}`);
        },
        (e: unknown) => {
          if (!gone) this.openError = e instanceof Error ? e.message : String(e);
        },
      );
      return () => {
        gone = true;
        this.departures++;
        if (this.sessionId) studio.client.call('explorer.close', { sessionId: this.sessionId }).catch(() => undefined);
        this.sessionId = null;
      };
    });
  }

  private restoreCard(key: string | null): void {
    const run = this.runId();
    const card = key ? keptCards.get(key) : undefined;
    if (card) [this.strips, this.pointA, this.pointB] = [card.strips, card.pointA, card.pointB];
    else if (this.cardRun !== run) [this.strips, this.pointA, this.pointB] = [[], null, null];
    this.cardRun = run;
    this.keepCard({ strips: this.strips, pointA: this.pointA, pointB: this.pointB });
  }

  private keepCard(card: StripsCard): void {
    if (this.cardKey && this.cardRun === this.runId())
      keptCards.set(this.cardKey, card.strips.length > 0 || card.pointA || card.pointB ? card : undefined);
  }

  private async openSession(): Promise<ExplorerInfo> {
    const departures = this.departures;
    const opened = await studio.client.call('explorer.open', { runId: this.runId() });
    if (departures !== this.departures) {
      // The view went while its session opened: closed now, rather than left to idle out.
      studio.client.call('explorer.close', { sessionId: opened.sessionId }).catch(() => undefined);
      throw new Error('the explorer was left before its model opened');
    }
    this.sessionId = opened.sessionId;
    this.info = opened;
    return opened;
  }

  /** An explorer call; a session that ended (idle, or its worker died) is opened again once, and the call repeated. */
  private async explorerCall<K extends 'explorer.decode' | 'explorer.encode'>(
    name: K,
    input: Omit<CommandInput<K>, 'sessionId'>,
  ): Promise<CommandOutput<K>> {
    const send = () =>
      studio.client.call(name, { ...input, sessionId: this.sessionId ?? '' } as CommandInput<K>, { live: this.live });
    const departures = this.departures;
    try {
      return await send();
    } catch (e) {
      // Ended because the view went (its cleanup closed the session): nothing to open again.
      if (!sessionEnded(e) || departures !== this.departures) throw e;
      this.notice = reopenedNotice(e.message);
      this.reopening ??= this.openSession().then(
        () => void (this.reopening = null),
        (err: unknown) => {
          this.reopening = null;
          throw err;
        },
      );
      await this.reopening;
      return await send();
    }
  }

  private fail(action: ExploreAction, e: unknown): void {
    this.callErrors = { ...this.callErrors, [action]: e instanceof Error ? e.message : String(e) };
  }

  private succeeded(action: ExploreAction): void {
    this.callErrors = afterSuccess(this.callErrors, action);
  }

  /** The sliders' decodes: one in flight at a time, the newest value next; stale values are never sent. */
  private readonly decodes = new LatestWins<Want>(async (want) => {
    const started = performance.now();
    try {
      const result = await this.explorerCall(
        'explorer.decode',
        decodeRequest(this.decoders, want, this.info?.conditional ?? false, this.transfer === 'png'),
      );
      await this.show(result, want, started);
      this.succeeded('decode');
    } catch (e) {
      this.fail('decode', e);
    }
  });

  /** The attachment of decoder `i`'s canvas, which `show` draws on. */
  decodedCanvas(i: number): (canvas: HTMLCanvasElement) => () => void {
    return (canvas) => {
      this.canvases[i] = canvas;
      return () => {
        if (this.canvases[i] === canvas) this.canvases[i] = null;
      };
    };
  }

  /** Draws each decoder's image at its native size (the page scales it up, pixelated), and says what it shows. */
  private async show(result: CommandOutput<'explorer.decode'>, want: Want, started: number): Promise<void> {
    const { width, height, channels } = result;
    for (let i = 0; i < result.pixels.length; i++) {
      const canvas = this.canvases[i];
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx) continue;
      const bytes = base64Bytes(result.pixels[i] as string);
      if (this.transfer === 'png') {
        const img = new Image();
        img.src = `data:image/png;base64,${result.images[i] as string}`;
        await img.decode();
        ctx.drawImage(img, 0, 0);
      } else {
        const image = ctx.createImageData(width, height);
        putPixels(bytes, width, height, channels, image.data, width);
        ctx.putImageData(image, 0, 0);
      }
      // Set with the pixels, never ahead of them: what a test or the bench reads is what is drawn.
      canvas.dataset['z'] = JSON.stringify(want.z);
      canvas.dataset['label'] = String(want.label);
      canvas.dataset['pixelsHash'] = pixelsHash(bytes);
    }
    const ms = performance.now() - started;
    this.shown = { z: want.z, label: want.label, ms };
    // For the bench: when each z reached the screen, and how long its decode took from request to drawn.
    document.dispatchEvent(new CustomEvent('latent-studio:explorer-shown', { detail: { z: want.z, at: performance.now(), ms } }));
  }

  readonly request = (): void => {
    if (this.info) this.decodes.push({ z: $state.snapshot(this.z), label: this.label });
  };

  setDimension(d: number, value: number): void {
    if (!Number.isFinite(value)) return;
    this.z[d] = round4(value);
    this.source = editedSource(this.source);
    this.request();
  }

  /**
   * Counts the starts asked for: an encode answered after a newer start was chosen (a slow selection's mean after a
   * click on a thumbnail) is dropped rather than replace it.
   */
  private starts = 0;
  /** A projector selection made before the explorer's model was open: used once it is. */
  private waitingSelection: SelectedCodes | null = null;

  startFrom(code: number[], l: number | null, what: string): void {
    this.starts++;
    this.z = code.map(round4);
    if (l !== null && this.info?.conditional) this.label = l;
    this.source = what;
    // The "Test image" box follows the image the sliders start from, however it was chosen (a thumbnail, the
    // projector): it read 0 beside "from test image 7".
    const image = /^test image (\d+)$/.exec(what);
    if (image) this.pickIndex = Number(image[1]);
    this.request();
  }

  async loadThumbs(offset: number): Promise<void> {
    if (!this.info) return;
    const count = Math.min(thumbCount, this.info.testCount - offset);
    if (count <= 0) return;
    try {
      const indices = Array.from({ length: count }, (_, i) => offset + i);
      const r = await this.explorerCall('explorer.encode', { indices });
      this.thumbs = indices.map((index, i) => ({
        index,
        png: r.images[i] as string,
        code: r.codes[i] as number[],
        label: r.labels?.[i] ?? null,
      }));
      this.thumbOffset = offset;
      this.succeeded('test images');
    } catch (e) {
      this.fail('test images', e);
    }
  }

  async useTestImage(index: number, what = `test image ${index}`): Promise<void> {
    const ticket = ++this.starts;
    try {
      const r = await this.explorerCall('explorer.encode', { indices: [index] });
      if (ticket === this.starts) this.startFrom(r.codes[0] as number[], r.labels?.[0] ?? null, what);
      this.succeeded('encode');
    } catch (e) {
      this.fail('encode', e);
    }
  }

  /**
   * The mean code of the projector's selection (its most common label for the CVAE): the projector's own codes when
   * they are of the checkpoint the explorer opened, else the encoding of the first `explorerMaxIndices` of them.
   */
  async useSelection(selection: SelectedCodes | null): Promise<void> {
    if (!selection || selection.indices.length === 0) {
      this.waitingSelection = null;
      return;
    }
    if (!this.info) {
      this.waitingSelection = selection;
      return;
    }
    const n = selection.indices.length;
    const what = `mean code of ${n.toLocaleString('en')} selected test image${n === 1 ? '' : 's'}`;
    if (selection.epoch === this.info.epoch && selection.mean.length === this.info.latentSize) {
      this.startFrom(selection.mean, selection.label, what);
      return;
    }
    const ticket = ++this.starts;
    try {
      const picked = selection.indices.slice(0, explorerMaxIndices);
      const r = await this.explorerCall('explorer.encode', { indices: picked });
      const mean = meanCode(r.codes, r.dim);
      const common = mostCommonLabel(r.labels);
      const part =
        picked.length < n ? `mean code of the first ${picked.length} of ${n.toLocaleString('en')} selected test images` : what;
      if (ticket === this.starts) this.startFrom(mean, common, part);
      this.succeeded('encode');
    } catch (e) {
      this.fail('encode', e);
    }
  }

  readonly samplePrior = (): void => {
    if (!this.info) return;
    const { code, what } = sampleStart(this.info, this.hasPrior, this.seed);
    this.startFrom(code, null, what);
  };

  // Interpolation and traversal strips.
  pointA = $state.raw<Point | null>(null);
  pointB = $state.raw<Point | null>(null);
  path = $state<StripPath>('spherical');
  steps = $state(10);
  traverseDim = $state(0);
  /** The strips decoded, newest first: the last `maxStrips` kept, to compare (a traversal of z1 beside one of z2). */
  strips = $state.raw<NamedStrip[]>([]);
  readonly maxStrips = 4;
  stripBusy = $state(false);

  /** Puts away one of the strips kept. */
  removeStrip(strip: NamedStrip): void {
    this.strips = this.strips.filter((s) => s !== strip);
  }

  readonly maxSteps = $derived(maxStripSteps(this.decoders.length));
  here(): Point {
    return { z: $state.snapshot(this.z), label: this.label, what: this.source };
  }

  async makeStrip(kind: 'interpolation' | 'traversal'): Promise<void> {
    const info = this.info;
    if (!info) return;
    const n = stripSteps(this.steps, this.maxSteps);
    let codes: number[][];
    let caption: string;
    if (kind === 'interpolation') {
      if (!this.pointA || !this.pointB) return;
      codes = interpolate(this.pointA.z, this.pointB.z, n, this.path);
      caption = interpolationCaption(this.path, n, this.pointA.what, this.pointB.what);
    } else {
      const range = this.ranges[this.traverseDim] ?? { min: -3, max: 3 };
      codes = traverse($state.snapshot(this.z), this.traverseDim, range.min, range.max, n);
      caption = traversalCaption(this.traverseDim, range, n, this.source || undefined);
    }
    caption = withClass(caption, info.conditional ? (this.classNames[this.label] ?? String(this.label)) : null);
    // Named now: the path and dimension may change while the strip is decoded.
    const name = stripName(this.runId(), kind, this.path, this.traverseDim);
    this.stripBusy = true;
    try {
      const result = await this.explorerCall('explorer.decode', stripRequest(this.decoders, codes, this.label, info.conditional));
      const images = result.pixels.map(base64Bytes);
      const strip: NamedStrip = {
        rows: stripRows(images, this.decoders.length, codes.length),
        width: result.width,
        height: result.height,
        channels: result.channels,
        name,
        caption,
        epoch: info.epoch,
      };
      this.strips = [strip, ...this.strips].slice(0, this.maxStrips);
      this.succeeded('strip');
    } catch (e) {
      this.fail('strip', e);
    } finally {
      this.stripBusy = false;
    }
  }
}

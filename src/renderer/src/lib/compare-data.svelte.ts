import { SvelteMap } from 'svelte/reactivity';
import type { ArtifactInfo, CommandOutput, Curve, RunsTable } from '../../../shared/api';
import type { Client } from './client';
import { ByteRequests, curvePointsFor, defaultMetric, parseMetricKey } from './compare';

/** Images asked for in one call (the contract allows 256): small enough that the first tiles appear early. */
const imageBatch = 48;

/**
 * What a comparison of many runs reads, in a few calls whatever their number: the table (differing fields and
 * final metrics), the curves of each metric asked for, the index of their images and the bytes of those shown.
 */
export class ComparisonData {
  table = $state.raw<RunsTable | null>(null);
  /** The kinds of image the runs have (with their epochs); each kind's index is read when it is shown. */
  kinds = $state.raw<CommandOutput<'artifacts.kinds'> | null>(null);
  /** Each kind's images of every run, without bytes, by kind. */
  readonly indexes = new SvelteMap<string, ArtifactInfo[]>();
  error = $state<string | null>(null);
  /** Curves by metric key (`test.loss`), as the core sent them; absent until asked, [] while loading. */
  readonly curves = new SvelteMap<string, Curve[]>();
  readonly curvesLoading = new SvelteMap<string, boolean>();
  /** Image bytes as data URLs, by artifact id: a cache the whole comparison shares. */
  readonly images = new SvelteMap<number, string>();
  private readonly requests = new ByteRequests();
  private flushQueued = false;
  private disposed = false;

  constructor(
    private readonly client: Client,
    readonly runIds: readonly number[],
  ) {}

  /** Reads one kind's image index once (one query for every run); it is empty while it loads. */
  loadKind(kind: string): void {
    if (this.indexes.has(kind)) return;
    this.indexes.set(kind, []);
    this.client.call('artifacts.index', { runIds: [...this.runIds], kind }).then(
      (index) => {
        if (!this.disposed) this.indexes.set(kind, index);
      },
      (e: unknown) => {
        this.indexes.delete(kind);
        this.error = e instanceof Error ? e.message : String(e);
      },
    );
  }

  /** The table, the image index and the test loss curves at once (test loss is the likely first metric). */
  async load(): Promise<void> {
    const ids = [...this.runIds];
    const guess = this.loadCurves('test.loss');
    try {
      const [table, kinds] = await Promise.all([
        this.client.call('runs.table', { runIds: ids }),
        this.client.call('artifacts.kinds', { runIds: ids }),
      ]);
      if (this.disposed) return;
      this.table = table;
      this.kinds = kinds.filter((k) => k.mime.startsWith('image/'));
      const first = defaultMetric(table.metrics);
      if (first && first !== 'test.loss') await this.loadCurves(first);
      await guess;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  /** Reads one metric's curves of every run once; later calls reuse them. */
  async loadCurves(key: string): Promise<void> {
    const metric = parseMetricKey(key);
    if (!metric || this.curves.has(key) || this.curvesLoading.get(key)) return;
    this.curvesLoading.set(key, true);
    try {
      const curves = await this.client.call('runs.curves', {
        runIds: [...this.runIds],
        metrics: [metric],
        maxPoints: curvePointsFor(this.runIds.length),
      });
      if (!this.disposed) this.curves.set(key, curves);
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.curvesLoading.set(key, false);
    }
  }

  /** Asks for these images' bytes; what is neither cached nor asked for yet goes out in the next batch. */
  requestImages(ids: readonly number[]): void {
    if (this.requests.add(ids) && !this.flushQueued) {
      // Ids asked for in one turn (every tile's effect) go out together.
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.disposed) return;
    for (const batch of this.requests.take(imageBatch)) {
      this.client.call('artifacts.many', { artifactIds: batch }).then(
        (images) => {
          if (this.disposed) return;
          for (const img of images) this.images.set(img.id, `data:${img.mime};base64,${img.dataBase64}`);
        },
        (e: unknown) => {
          // Forget them, so scrolling back asks again.
          this.requests.forget(batch);
          this.error = e instanceof Error ? e.message : String(e);
        },
      );
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}

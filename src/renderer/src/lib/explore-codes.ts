/**
 * The explore view's small decisions, free of the page: where the sliders start (a sample, the mean of a selection),
 * what an `explorer.decode` asks for with one decoder or several, how a strip is sized, named and captioned, and how an
 * ended session is told apart and reported. The arithmetic of codes, strips and GIFs is in explore.ts.
 */
import type { ExplorerInfo } from '../../../shared/explorer';
import { ClientError } from './client';
import { clampCode, priorSample } from './explore';

/** An explorer call refused because its session ended (idle, or its worker died): it is opened again once. */
export function sessionEnded(e: unknown): e is ClientError {
  return e instanceof ClientError && e.code === 'conflict' && /has ended/.test(e.message);
}

/** What the page says when an ended session was opened again. */
export function reopenedNotice(message: string): string {
  return `${message.replace(/ Open the run in the explorer again\.$/, '')} It was opened again.`;
}

/** The mean of `dim`-dimensional codes, dimension by dimension. */
export function meanCode(codes: readonly (readonly number[])[], dim: number): number[] {
  return Array.from({ length: dim }, (_, d) => codes.reduce((s, c) => s + (c[d] ?? 0), 0) / codes.length);
}

/** Where the sliders started, once a slider moved: "test image 5, edited" (said once). */
export function editedSource(source: string): string {
  return !source || source.endsWith(', edited') ? source : `${source}, edited`;
}

/** A selection of the projector's test codes: what the sliders start from when it is made. */
export interface SelectedCodes {
  /** Test-split indices. */
  indices: number[];
  /** The mean of their codes (the projector holds every test code), and of which checkpoint's epoch. */
  mean: number[];
  epoch: number;
  /** Their most common label (null without labels). */
  label: number | null;
}

/** The mean code and most common label of rows `indices` of a row-major `count × dim` array of codes. */
export function selectedCodes(
  codes: Float32Array,
  dim: number,
  labels: readonly number[] | null,
  indices: readonly number[],
  epoch: number,
): SelectedCodes {
  const mean = new Array<number>(dim).fill(0);
  for (const i of indices) for (let d = 0; d < dim; d++) mean[d] = (mean[d] ?? 0) + (codes[i * dim + d] ?? 0);
  return {
    indices: [...indices],
    mean: mean.map((m) => m / Math.max(1, indices.length)),
    epoch,
    label: labels ? mostCommonLabel(indices.map((i) => labels[i] ?? 0)) : null,
  };
}

/** The most common label (the smallest among equals; 0 when there are none), or null without labels. */
export function mostCommonLabel(labels: readonly number[] | null | undefined): number | null {
  const counts: number[] = [];
  for (const l of labels ?? []) counts[l] = (counts[l] ?? 0) + 1;
  return labels ? counts.reduce((best, n, l) => (n > (counts[best] ?? 0) ? l : best), 0) : null;
}

/**
 * A seeded start for the sliders: z ~ N(0, I) from a VAE's prior, else from a Gaussian fitted to the test codes
 * (their mean and spread per dimension) and put through the code's activation where it bounds the code (a ReLU
 * code's negative draws become 0, as its encoder's would); with what it is, in words.
 */
export function sampleStart(
  info: Pick<ExplorerInfo, 'latentSize' | 'spread' | 'priorDraws'> & Partial<Pick<ExplorerInfo, 'codeRange'>>,
  hasPrior: boolean,
  seed: number,
): { code: number[]; what: string } {
  const s = Math.trunc(seed);
  const draws = info.priorDraws;
  if (draws && draws.length > 0) {
    // The model's own prior (a mixture): one of the draws its session holds.
    const k = (((s - 1) % draws.length) + draws.length) % draws.length;
    return { code: [...(draws[k] as number[])], what: `sample of the model's own prior, draw ${k + 1} of ${draws.length}` };
  }
  if (hasPrior) return { code: priorSample(info.latentSize, s), what: `prior sample z ~ N(0, I), seed ${s}` };
  const range = info.codeRange;
  return {
    code: clampCode(priorSample(info.latentSize, s, info.spread.mean, info.spread.std), range),
    what: `sample of a Gaussian fitted to the test codes${range ? clipped(range) : ''}, seed ${s}`,
  };
}

/** What clamping to a code's range does, in words: ", values below 0 set to 0 (a ReLU code)"; '' for none. */
function clipped({ min, max, activation }: NonNullable<ExplorerInfo['codeRange']>): string {
  const what =
    min !== null && max !== null
      ? `values clipped to [${min}, ${max}]`
      : min !== null
        ? `values below ${min} set to ${min}`
        : max !== null
          ? `values above ${max} set to ${max}`
          : null;
  return what ? `, ${what} (a ${activation} code)` : '';
}

/** The sliders' decode: the one code through every decoder (the deepfake's two), with its class for a conditional model. */
export function decodeRequest(
  decoders: string[],
  want: { z: number[]; label: number },
  conditional: boolean,
  png: boolean,
): { z: number[][]; labels?: number[]; decoder?: string[]; png: boolean } {
  return {
    z: decoders.map(() => want.z),
    ...(conditional ? { labels: [want.label] } : {}),
    ...(decoders.length > 1 ? { decoder: decoders } : {}),
    png,
  };
}

/** A strip's decode: every code through each decoder in turn (a row per decoder), as raw pixels. */
export function stripRequest(
  decoders: readonly string[],
  codes: number[][],
  label: number,
  conditional: boolean,
): { z: number[][]; labels?: number[]; decoder?: string[]; png: boolean } {
  return {
    z: decoders.flatMap(() => codes),
    ...(conditional ? { labels: [label] } : {}),
    ...(decoders.length > 1 ? { decoder: decoders.flatMap((d) => codes.map(() => d)) } : {}),
    png: false,
  };
}

/** The images of a strip's decode, a row per decoder. */
export function stripRows<T>(images: readonly T[], decoders: number, steps: number): T[][] {
  return Array.from({ length: decoders }, (_, r) => images.slice(r * steps, (r + 1) * steps));
}

/** The most steps a strip may have: one decode carries at most 64 rows, shared between the decoders. */
export function maxStripSteps(decoders: number): number {
  return Math.floor(64 / decoders);
}

/** The steps asked for, whole and within 2 … max. */
export function stripSteps(steps: number, max: number): number {
  return Math.max(2, Math.min(max, Math.trunc(steps)));
}

export type StripPath = 'straight' | 'spherical';

export function interpolationCaption(path: StripPath, steps: number, a: string, b: string): string {
  return `${path === 'straight' ? 'Straight' : 'Spherical'} path in ${steps} steps from A (${a}) to B (${b})`;
}

/** A strip's caption, with the class a conditional model decoded it with (the sliders', whatever class A and B were). */
export function withClass(caption: string, className: string | null): string {
  return className === null ? caption : `${caption}; every step decoded as class ${className}`;
}

/**
 * A traversal's caption: the dimension, its range and steps, and where the other dimensions were held (the code the
 * sliders held when it was made, named by where they came from: the caption stays true once the sliders move on).
 */
export function traversalCaption(dim: number, range: { min: number; max: number }, steps: number, from?: string): string {
  const held = from ? `as the sliders held them (${from})` : 'as the sliders held them';
  return `z${dim + 1} from ${range.min} to ${range.max} in ${steps} steps, the other dimensions ${held}`;
}

/** The exported files' name, without its extension. */
export function stripName(runId: number, kind: 'interpolation' | 'traversal', path: StripPath, dim: number): string {
  return `run-${runId}-${kind === 'interpolation' ? `${path}-interpolation` : `z${dim + 1}-traversal`}`;
}

/** A latent value as the decoded z lists it: two decimals, a space where a minus sign would be. */
export function signed2(v: number): string {
  return (v >= 0 ? ' ' : '') + v.toFixed(2);
}

/** What an explorer call was for: the sliders' decode, a start from test images, the thumbnails, a strip. */
export type ExploreAction = 'decode' | 'encode' | 'test images' | 'strip';

/** The failed explorer calls still said, one (the latest) of each kind. */
export type CallErrors = Partial<Record<ExploreAction, string>>;

const actionWords: Record<ExploreAction, string> = {
  decode: 'Decoding the sliders’ code failed',
  encode: 'Encoding the chosen test images failed',
  'test images': 'Loading the test images failed',
  strip: 'Making the strip failed',
};

/** The errors still said once a call for `action` worked: only that kind's is cleared by it. */
export function afterSuccess(errors: CallErrors, action: ExploreAction): CallErrors {
  if (!(action in errors)) return errors;
  const { [action]: _cleared, ...rest } = errors;
  return rest;
}

/** The failed calls, in words, each saying what it was for. */
export function callErrorTexts(errors: CallErrors): string[] {
  return (Object.keys(actionWords) as ExploreAction[]).flatMap((a) =>
    errors[a] === undefined ? [] : [`${actionWords[a]}: ${errors[a]}`],
  );
}

/**
 * The explorer's arithmetic, free of the DOM where it can be: slider ranges, seeded prior samples, straight and
 * spherical paths, the latest-wins request loop, and pixels as canvas images, PNG strips and animated GIFs.
 */
import { createRng } from '../../../shared/random';
import { GIFEncoder, applyPalette, quantize } from 'gifenc';
import type { ExplorerInfo } from '../../../shared/explorer';

/**
 * A slider's range per latent dimension: ±3 (the prior's mass) for a VAE, joined with the test codes' spread; never
 * past what the code's activation can give (a ReLU code's sliders start at 0).
 */
export function sliderRanges(
  info: Pick<ExplorerInfo, 'spread' | 'latentSize'> & Partial<Pick<ExplorerInfo, 'priorDraws' | 'codeRange'>>,
  prior: boolean,
): { min: number; max: number }[] {
  return Array.from({ length: info.latentSize }, (_, d) => {
    // The test codes' spread, and the draws of the model's own prior where it has them (the AAE's ring reaches ±4.5).
    const drawn = (info.priorDraws ?? []).map((z) => z[d] ?? 0);
    const lo = Math.min(info.spread.min[d] ?? -3, ...drawn);
    const hi = Math.max(info.spread.max[d] ?? 3, ...drawn);
    if (prior) return { min: nice(Math.min(-3, lo), 'down'), max: nice(Math.max(3, hi), 'up') };
    // A code without a prior: the spread of the test codes, and a tenth more on each side (a dead unit: ±1).
    const pad = hi > lo ? (hi - lo) / 10 : 1;
    const [floor, ceiling] = [info.codeRange?.min ?? -Infinity, info.codeRange?.max ?? Infinity];
    const min = Math.max(floor, nice(lo - pad, 'down'));
    return { min, max: Math.max(nice(min + 0.1, 'up'), Math.min(ceiling, nice(hi + pad, 'up'))) };
  });
}

/** `code` with each value moved inside the code's range (a ReLU code's negative values to 0). */
export function clampCode(code: number[], range: ExplorerInfo['codeRange'] | undefined): number[] {
  const [floor, ceiling] = [range?.min ?? -Infinity, range?.max ?? Infinity];
  return code.map((v) => Math.min(ceiling, Math.max(floor, v)));
}

function nice(v: number, way: 'up' | 'down'): number {
  return (way === 'up' ? Math.ceil(v * 10) : Math.floor(v * 10)) / 10;
}

/** z ~ N(mean, diag(std²)) from a seed (Box–Muller); N(0, I) when mean and std are omitted. */
export function priorSample(dim: number, seed: number, mean?: number[], std?: number[]): number[] {
  const u = createRng(seed);
  return Array.from({ length: dim }, (_, d) => {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const n = r * Math.cos(2 * Math.PI * u());
    return round4((mean?.[d] ?? 0) + (std?.[d] ?? 1) * n);
  });
}

/** Four decimals: what the sliders show and send. */
export function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

/**
 * N points from a to b: straight (lerp) or spherical: the direction along the great circle from a's to b's (slerp
 * of the unit vectors), the length straight from |a| to |b|. So no point is longer than the longer end (Shoemake's
 * slerp of the vectors themselves is not: between unequal lengths near opposite directions its weights grow as
 * 1/sin ω, to codes of length 77 between ends of 2.3 and 0.2). Parallel or opposite vectors, and a zero one, take the
 * straight line (through the origin, for opposite ones).
 */
export function interpolate(a: number[], b: number[], steps: number, path: 'straight' | 'spherical'): number[][] {
  const ts = Array.from({ length: steps }, (_, i) => (steps === 1 ? 0 : i / (steps - 1)));
  const lerp = (t: number) => a.map((v, d) => (1 - t) * v + t * (b[d] ?? 0));
  if (path === 'straight') return ts.map((t) => lerp(t).map(round4));
  const na = Math.hypot(...a);
  const nb = Math.hypot(...b);
  if (na === 0 || nb === 0) return ts.map((t) => lerp(t).map(round4));
  const cos = Math.min(1, Math.max(-1, a.reduce((s, v, d) => s + v * (b[d] ?? 0), 0) / (na * nb)));
  const omega = Math.acos(cos);
  // (Nearly) the same or the opposite direction: no one great circle; the straight line.
  if (Math.sin(omega) < 1e-6) return ts.map((t) => lerp(t).map(round4));
  return ts.map((t) => {
    const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
    const wb = Math.sin(t * omega) / Math.sin(omega);
    const length = (1 - t) * na + t * nb;
    return a.map((v, d) => round4(length * ((wa * v) / na + (wb * (b[d] ?? 0)) / nb)));
  });
}

/** N codes equal to z but for dimension d, which runs from min to max. */
export function traverse(z: number[], d: number, min: number, max: number, steps: number): number[][] {
  return Array.from({ length: steps }, (_, i) => {
    const row = [...z];
    row[d] = round4(steps === 1 ? min : min + ((max - min) * i) / (steps - 1));
    return row;
  });
}

/**
 * Runs requests one at a time, the newest first: a value pushed while one is in flight waits, and a newer push
 * replaces it, so no stale request is ever sent and at most one is in flight.
 */
export class LatestWins<T> {
  #next: { value: T } | null = null;
  #busy = false;

  constructor(private readonly run: (value: T) => Promise<void>) {}

  push(value: T): void {
    this.#next = { value };
    if (!this.#busy) void this.#drain();
  }

  get busy(): boolean {
    return this.#busy;
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    try {
      while (this.#next) {
        const { value } = this.#next;
        this.#next = null;
        try {
          await this.run(value);
        } catch {
          // `run` reports its own failures; the loop goes on with the newest value.
        }
      }
    } finally {
      this.#busy = false;
    }
  }
}

export function base64Bytes(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** FNV-1a (32-bit, hex) of the pixels: a cheap, synchronous fingerprint the page shows beside an image. */
export function pixelsHash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** 8-bit pixels (1 or 3 channels, HWC) as RGBA, written into `out` at (x0, y0) of an image `outWidth` wide. */
export function putPixels(
  bytes: Uint8Array,
  width: number,
  height: number,
  channels: number,
  out: Uint8ClampedArray,
  outWidth: number,
  x0 = 0,
  y0 = 0,
): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      const o = ((y0 + y) * outWidth + x0 + x) * 4;
      const r = bytes[p] as number;
      out[o] = r;
      out[o + 1] = channels === 3 ? (bytes[p + 1] as number) : r;
      out[o + 2] = channels === 3 ? (bytes[p + 2] as number) : r;
      out[o + 3] = 255;
    }
  }
}

/** A grid of images (rows × columns, each HWC bytes) with a 2-pixel gutter, as the run view's grids lay them out. */
export interface Strip {
  rows: Uint8Array[][];
  width: number;
  height: number;
  channels: number;
}

export const gutter = 2;

export function stripSize(strip: Strip): { width: number; height: number } {
  const cols = strip.rows.reduce((m, r) => Math.max(m, r.length), 0);
  return {
    width: cols * strip.width + (cols + 1) * gutter,
    height: strip.rows.length * strip.height + (strip.rows.length + 1) * gutter,
  };
}

/** The strip as RGBA at `scale`× (nearest neighbour), on the studio's dark gutter. */
export function stripRgba(strip: Strip, scale = 1): { data: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
  const size = stripSize(strip);
  const base = new Uint8ClampedArray(size.width * size.height * 4);
  for (let i = 0; i < base.length; i += 4) base.set([48, 48, 48, 255], i);
  strip.rows.forEach((row, r) =>
    row.forEach((img, c) =>
      putPixels(
        img,
        strip.width,
        strip.height,
        strip.channels,
        base,
        size.width,
        gutter + c * (strip.width + gutter),
        gutter + r * (strip.height + gutter),
      ),
    ),
  );
  return scaleRgba(base, size.width, size.height, scale);
}

export function scaleRgba(
  data: Uint8ClampedArray<ArrayBuffer>,
  width: number,
  height: number,
  scale: number,
): { data: Uint8ClampedArray<ArrayBuffer>; width: number; height: number } {
  if (scale === 1) return { data, width, height };
  const w = width * scale;
  const h = height * scale;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const from = (Math.floor(y / scale) * width + Math.floor(x / scale)) * 4;
      out.set(data.subarray(from, from + 4), (y * w + x) * 4);
    }
  }
  return { data: out, width: w, height: h };
}

/**
 * An animated GIF, one frame per column of the strip (the rows of a column side by side: the deepfake's two
 * decoders), looping. Grayscale keeps every level exactly (a palette of 256 grays); colour is quantised to 256.
 */
export function stripGif(strip: Strip, scale: number, delayMs: number): Uint8Array {
  const cols = strip.rows.reduce((m, r) => Math.max(m, r.length), 0);
  const frames = Array.from({ length: cols }, (_, c) =>
    stripRgba(
      { ...strip, rows: [strip.rows.map((row) => row[c] ?? new Uint8Array(strip.width * strip.height * strip.channels))] },
      scale,
    ),
  );
  const gif = GIFEncoder();
  const gray: [number, number, number][] = Array.from({ length: 256 }, (_, v) => [v, v, v]);
  for (const frame of frames) {
    const rgba = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
    if (strip.channels === 1) {
      const index = new Uint8Array(frame.width * frame.height);
      for (let i = 0; i < index.length; i++) index[i] = rgba[i * 4] as number;
      gif.writeFrame(index, frame.width, frame.height, { palette: gray, delay: delayMs });
    } else {
      const palette = quantize(rgba, 256);
      gif.writeFrame(applyPalette(rgba, palette), frame.width, frame.height, { palette, delay: delayMs });
    }
  }
  gif.finish();
  return gif.bytes();
}

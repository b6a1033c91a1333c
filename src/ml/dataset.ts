import { closeSync, openSync, read, readSync } from 'node:fs';
import { validationCount } from '../shared/config';
import { createRng, shuffledIndices } from '../shared/random';

/**
 * One split of a data set. Images are bytes (0..255, HWC) wherever they live (in memory, or in the
 * data set's file on disk, read a batch at a time); they become floats only as a batch is drawn.
 * Labels and generator factors are small and sit in memory.
 */
export interface ImageSplit {
  readonly count: number;
  readonly labels: Uint8Array | null;
  /** count x factorCount values of the generator's factors, row by row (generated sets only). */
  readonly factors: Float32Array | null;
  /** Copies the images at `indices` into `out`, one after another. */
  readBytes(indices: ArrayLike<number>, out: Uint8Array): void;
  /**
   * The same without blocking, where the images are on disk: the reads run on Node's I/O threads, so the
   * trainer fetches the next batch while the current step computes.
   */
  readBytesAsync?(indices: ArrayLike<number>, out: Uint8Array): Promise<void>;
}

export interface ImageDataset {
  name: string;
  height: number;
  width: number;
  channels: number;
  train: ImageSplit;
  test: ImageSplit;
  /** Held out of the training images (dataset.validationFraction): what the rules that choose epochs read. */
  validation?: ImageSplit;
  /** Names of the label values, when the source has them (sub-folder names, Fashion-MNIST's classes). */
  labelNames: string[] | null;
  /** sha256 of what the run sees (stored set and selection), recorded on each run. */
  hash: string;
}

export function pixelsPerImage(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}

/** A split whose images are one byte array in memory (MNIST, tests). */
export function memorySplit(
  images: Uint8Array,
  pixels: number,
  labels: Uint8Array | null,
  factors: Float32Array | null = null,
): ImageSplit {
  return {
    count: images.length / pixels,
    labels,
    factors,
    readBytes(indices, out) {
      for (let b = 0; b < indices.length; b++) {
        const src = (indices[b] as number) * pixels;
        out.set(images.subarray(src, src + pixels), b * pixels);
      }
    },
  };
}

/**
 * A split whose images stay in a file of `count` back-to-back images starting at `offset`: a batch is
 * read with one positioned read per run of consecutive indices, so a large set is never copied per run
 * nor held in memory.
 */
/** Consecutive runs of indices: [position in the batch, first index, length]. */
function runsOf(indices: ArrayLike<number>, count: number): [number, number, number][] {
  const runs: [number, number, number][] = [];
  let b = 0;
  while (b < indices.length) {
    const first = indices[b] as number;
    let run = 1;
    while (b + run < indices.length && indices[b + run] === first + run) run++;
    if (first < 0 || first + run > count) throw new RangeError(`image ${first} is outside the split (${count} images)`);
    runs.push([b, first, run]);
    b += run;
  }
  return runs;
}

export function fileSplit(
  file: string,
  offset: number,
  count: number,
  pixels: number,
  labels: Uint8Array | null,
  factors: Float32Array | null,
): ImageSplit {
  let fd: number | undefined;
  const open = () => (fd ??= openSync(file, 'r'));
  return {
    count,
    labels,
    factors,
    readBytes(indices, out) {
      const handle = open();
      for (const [b, first, run] of runsOf(indices, count)) {
        const length = run * pixels;
        const got = readSync(handle, out, b * pixels, length, offset + first * pixels);
        if (got !== length) throw new Error(`${file}: truncated, image ${first} could not be read`);
      }
    },
    async readBytesAsync(indices, out) {
      const handle = open();
      await Promise.all(
        runsOf(indices, count).map(
          ([b, first, run]) =>
            new Promise<void>((resolve, reject) => {
              const length = run * pixels;
              read(handle, out, b * pixels, length, offset + first * pixels, (e, got) => {
                if (e) reject(e);
                else if (got !== length) reject(new Error(`${file}: truncated, image ${first} could not be read`));
                else resolve();
              });
            }),
        ),
      );
    },
    [Symbol.dispose]() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  } as ImageSplit;
}

/**
 * The split's images read into memory, at once when they are first asked for, in as few reads as their order
 * allows (opening a set to count its images reads none). A split already in memory (one without `readBytesAsync`,
 * which only a split on disk has) is returned as it is, unless `always` (a pair of splits on disk, concatenated).
 */
export function inMemory(split: ImageSplit, pixels: number, always = false): ImageSplit {
  if (!split.readBytesAsync && !always) return split;
  let held: ImageSplit | undefined;
  const hold = (): ImageSplit => {
    if (!held) {
      const images = new Uint8Array(split.count * pixels);
      split.readBytes(
        Uint32Array.from({ length: split.count }, (_, i) => i),
        images,
      );
      held = memorySplit(images, pixels, split.labels, split.factors);
    }
    return held;
  };
  return {
    count: split.count,
    labels: split.labels,
    factors: split.factors,
    readBytes: (indices, out) => hold().readBytes(indices, out),
  };
}

/** The images of `split` at `indices`, in that order, as a split of their own (subsets, chosen classes). */
export function subsetSplit(split: ImageSplit, indices: Uint32Array, labels: Uint8Array | null = null): ImageSplit {
  const factorCount = split.factors && split.count > 0 ? split.factors.length / split.count : 0;
  const factors = split.factors ? new Float32Array(indices.length * factorCount) : null;
  if (factors && split.factors) {
    indices.forEach((src, dst) =>
      factors.set(split.factors!.subarray(src * factorCount, (src + 1) * factorCount), dst * factorCount),
    );
  }
  return {
    count: indices.length,
    labels: labels ?? (split.labels ? Uint8Array.from(indices, (i) => split.labels![i] as number) : null),
    factors,
    readBytes(wanted, out) {
      split.readBytes(
        Uint32Array.from(wanted, (i) => indices[i] as number),
        out,
      );
    },
    ...(split.readBytesAsync
      ? {
          readBytesAsync: (wanted, out) =>
            split.readBytesAsync!(
              Uint32Array.from(wanted, (i) => indices[i] as number),
              out,
            ),
        }
      : {}),
  };
}

/** Several splits one after another, with the given labels (the deepfake's identities A = 0 and B = 1). */
export function concatSplits(parts: readonly ImageSplit[], labels: Uint8Array, pixels: number): ImageSplit {
  const starts: number[] = [];
  let count = 0;
  for (const p of parts) {
    starts.push(count);
    count += p.count;
  }
  return {
    count,
    labels,
    factors: null,
    readBytes(indices, out) {
      const one = new Uint32Array(1);
      for (let b = 0; b < indices.length; b++) {
        const i = indices[b] as number;
        let k = parts.length - 1;
        while (k > 0 && i < (starts[k] as number)) k--;
        one[0] = i - (starts[k] as number);
        parts[k]!.readBytes(one, out.subarray(b * pixels, (b + 1) * pixels));
      }
    },
  };
}

/** Copies the chosen images into `out` as floats in [0,1]. */
export function fillBatch(split: ImageSplit, pixels: number, indices: ArrayLike<number>, out: Float32Array): void {
  const bytes = new Uint8Array(indices.length * pixels);
  split.readBytes(indices, bytes);
  bytesToFloats(bytes, bytes.length, out);
}

/** The first `n` bytes as floats in [0,1]. */
export function bytesToFloats(bytes: Uint8Array, n: number, out: Float32Array): void {
  for (let i = 0; i < n; i++) out[i] = (bytes[i] as number) / 255;
}

/** Visits the split's images in order, `chunk` images at a time, as bytes. */
export function forEachChunk(
  split: ImageSplit,
  pixels: number,
  visit: (bytes: Uint8Array, n: number) => void,
  chunk = 1024,
): void {
  const buf = new Uint8Array(Math.min(chunk, Math.max(split.count, 1)) * pixels);
  for (let start = 0; start < split.count; start += chunk) {
    const n = Math.min(chunk, split.count - start);
    split.readBytes(
      Uint32Array.from({ length: n }, (_, i) => start + i),
      buf,
    );
    visit(buf, n);
  }
}

/** Pixel-wise mean of the training images, in [0,1]: the mean-image baseline predicts it for every input. */
export function meanImage(split: ImageSplit, pixels: number): Float32Array {
  const sum = new Float64Array(pixels);
  forEachChunk(split, pixels, (bytes, n) => {
    for (let i = 0; i < n; i++) {
      const off = i * pixels;
      for (let p = 0; p < pixels; p++) sum[p] = (sum[p] as number) + (bytes[off + p] as number);
    }
  });
  return Float32Array.from(sum, (s) => s / Math.max(split.count, 1) / 255);
}

/** MSE per pixel of predicting `mean` for every image of the split. */
export function meanImageMse(split: ImageSplit, pixels: number, mean: Float32Array): number {
  let total = 0;
  forEachChunk(split, pixels, (bytes, n) => {
    for (let i = 0; i < n; i++) {
      const off = i * pixels;
      for (let p = 0; p < pixels; p++) {
        const d = (bytes[off + p] as number) / 255 - (mean[p] as number);
        total += d * d;
      }
    }
  });
  return total / (split.count * pixels);
}

/**
 * Number of classes: the largest label of either split + 1, or 0 for an unlabelled data set. Both splits: a subset
 * of the training images may lack the largest label that a test image has.
 */
export function classCount(ds: Pick<ImageDataset, 'train'> & Partial<Pick<ImageDataset, 'test'>>): number {
  if (!ds.train.labels) return 0;
  let max = -1;
  for (const labels of [ds.train.labels, ds.test?.labels ?? []]) for (const l of labels) if (l > max) max = l;
  return max + 1;
}

/**
 * One-hot labels of the chosen images into `out` ([n, classes]); a label past `classes` is refused. An unlabelled
 * split has none to write: `out` is left zero (what a view that shows labels gets for such a set).
 */
export function fillOneHot(split: ImageSplit, classes: number, indices: ArrayLike<number>, out: Float32Array): void {
  out.fill(0, 0, indices.length * Math.max(classes, 1));
  if (!split.labels) return;
  for (let b = 0; b < indices.length; b++) {
    const label = split.labels?.[indices[b] as number] ?? 0;
    if (label >= classes) throw new Error(`image ${indices[b]} has label ${label}, but the model knows ${classes} classes`);
    out[b * classes + label] = 1;
  }
}

/** Counts of each label value in a split (empty for an unlabelled split). */
export function labelCounts(split: Pick<ImageSplit, 'labels'>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const l of split.labels ?? []) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

function selectSplit(split: ImageSplit, classes: readonly number[], limit: number | undefined): ImageSplit {
  if (!split.labels) throw new Error('classes were chosen, but the data set has no labels');
  const newLabel = new Map(classes.map((c, i) => [c, i]));
  const keep: number[] = [];
  for (let i = 0; i < split.count && keep.length < (limit ?? Infinity); i++)
    if (newLabel.has(split.labels[i] as number)) keep.push(i);
  return subsetSplit(
    split,
    Uint32Array.from(keep),
    Uint8Array.from(keep, (i) => newLabel.get(split.labels?.[i] as number) as number),
  );
}

/** Only the images of `classes`, relabelled 0..n-1 in that order; the first `trainLimit`/`testLimit` of them. */
export function selectClasses(
  ds: ImageDataset,
  classes: readonly number[],
  trainLimit?: number,
  testLimit?: number,
): Omit<ImageDataset, 'hash'> {
  return {
    ...ds,
    train: selectSplit(ds.train, classes, trainLimit),
    test: selectSplit(ds.test, classes, testLimit),
    labelNames: ds.labelNames ? classes.map((c) => ds.labelNames?.[c] ?? String(c)) : null,
  };
}

/**
 * A training split parted into what trains and a validation split of `fraction` of it (at least one image each),
 * drawn by a fixed seed: the same images for every run of the same set and subset, whatever the run's own seed, so
 * that runs are chosen on the same images. Each part keeps the images in their order.
 */
export function holdOutValidation(train: ImageSplit, fraction: number): { train: ImageSplit; validation: ImageSplit } {
  const held = validationCount(train.count, fraction);
  if (held < 1)
    throw new Error(
      `dataset.validationFraction: a validation split needs at least 2 training images, and there are ${train.count}`,
    );
  const order = shuffledIndices(train.count, createRng(0x5eed));
  const isHeld = new Uint8Array(train.count);
  for (let i = 0; i < held; i++) isHeld[order[i] as number] = 1;
  const kept: number[] = [];
  const heldOut: number[] = [];
  for (let i = 0; i < train.count; i++) (isHeld[i] ? heldOut : kept).push(i);
  return { train: subsetSplit(train, Uint32Array.from(kept)), validation: subsetSplit(train, Uint32Array.from(heldOut)) };
}

/** The first `limit` images of a split (all when no limit). */
export function firstImages(split: ImageSplit, limit: number | undefined): ImageSplit {
  if (limit === undefined || limit >= split.count) return split;
  return subsetSplit(
    split,
    Uint32Array.from({ length: limit }, (_, i) => i),
  );
}

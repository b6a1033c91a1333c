import { createHash } from 'node:crypto';

/** Images stored once as bytes (0..255, HWC); batches are converted to floats as they are drawn. */
export interface ImageSplit {
  count: number;
  images: Uint8Array;
  labels: Uint8Array | null;
}

export interface ImageDataset {
  name: string;
  height: number;
  width: number;
  channels: number;
  train: ImageSplit;
  test: ImageSplit;
  /** sha256 of the bytes the run sees (source files and subset), recorded on each run. */
  hash: string;
}

export function pixelsPerImage(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}

/** Copies the chosen images into `out` as floats in [0,1]. */
export function fillBatch(split: ImageSplit, pixels: number, indices: ArrayLike<number>, out: Float32Array): void {
  for (let b = 0; b < indices.length; b++) {
    const src = (indices[b] as number) * pixels;
    const dst = b * pixels;
    for (let p = 0; p < pixels; p++) out[dst + p] = (split.images[src + p] as number) / 255;
  }
}

/** Pixel-wise mean of the training images, in [0,1]: the mean-image baseline predicts it for every input. */
export function meanImage(split: ImageSplit, pixels: number): Float32Array {
  const sum = new Float64Array(pixels);
  for (let i = 0; i < split.count; i++) {
    const off = i * pixels;
    for (let p = 0; p < pixels; p++) sum[p] = (sum[p] as number) + (split.images[off + p] as number);
  }
  return Float32Array.from(sum, (s) => s / split.count / 255);
}

/** MSE per pixel of predicting `mean` for every image of the split. */
export function meanImageMse(split: ImageSplit, pixels: number, mean: Float32Array): number {
  let total = 0;
  for (let i = 0; i < split.count; i++) {
    const off = i * pixels;
    for (let p = 0; p < pixels; p++) {
      const d = (split.images[off + p] as number) / 255 - (mean[p] as number);
      total += d * d;
    }
  }
  return total / (split.count * pixels);
}

/** Number of classes: the largest label + 1, or 0 for an unlabelled data set. */
export function classCount(ds: Pick<ImageDataset, 'train'>): number {
  const labels = ds.train.labels;
  if (!labels) return 0;
  let max = -1;
  for (const l of labels) if (l > max) max = l;
  return max + 1;
}

/** One-hot labels of the chosen images into `out` ([n, classes]). */
export function fillOneHot(split: ImageSplit, classes: number, indices: ArrayLike<number>, out: Float32Array): void {
  out.fill(0, 0, indices.length * classes);
  for (let b = 0; b < indices.length; b++) out[b * classes + (split.labels?.[indices[b] as number] ?? 0)] = 1;
}

function selectSplit(split: ImageSplit, pixels: number, classes: readonly number[], limit: number | undefined): ImageSplit {
  if (!split.labels) throw new Error('classes were chosen, but the data set has no labels');
  const newLabel = new Map(classes.map((c, i) => [c, i]));
  const keep: number[] = [];
  for (let i = 0; i < split.count && keep.length < (limit ?? Infinity); i++)
    if (newLabel.has(split.labels[i] as number)) keep.push(i);
  const images = new Uint8Array(keep.length * pixels);
  keep.forEach((src, dst) => images.set(split.images.subarray(src * pixels, (src + 1) * pixels), dst * pixels));
  return {
    count: keep.length,
    images,
    labels: Uint8Array.from(keep, (i) => newLabel.get(split.labels?.[i] as number) as number),
  };
}

/** Only the images of `classes`, relabelled 0..n-1 in that order; the first `trainLimit`/`testLimit` of them. */
export function selectClasses(
  ds: ImageDataset,
  classes: readonly number[],
  trainLimit?: number,
  testLimit?: number,
): ImageDataset {
  const pixels = pixelsPerImage(ds);
  return {
    ...ds,
    train: selectSplit(ds.train, pixels, classes, trainLimit),
    test: selectSplit(ds.test, pixels, classes, testLimit),
    hash: createHash('sha256')
      .update(`${ds.hash}:classes=${classes.join(',')}:${trainLimit ?? 'all'}/${testLimit ?? 'all'}`)
      .digest('hex'),
  };
}

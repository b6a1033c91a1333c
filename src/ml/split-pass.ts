/** A model's forward pass over a whole split, a batch of images at a time, read back asynchronously. */
import { fillBatch, type ImageSplit } from './dataset';
import { Reads } from './read';
import { tf, type Tensor } from './tf';

/** Images per forward pass when a whole split is encoded (DEC's k-means and scores, a VQ-VAE's codebook start). */
const passBatch = 256;

/** `fn` on the split's images in order, a batch at a time, each inside tf.tidy. */
export function forEachBatch(split: ImageSplit, pixels: number, fn: (x: Tensor, start: number) => void): void {
  const buf = new Float32Array(Math.min(passBatch, split.count) * pixels);
  for (let start = 0; start < split.count; start += passBatch) {
    const n = Math.min(passBatch, split.count - start);
    fillBatch(
      split,
      pixels,
      Array.from({ length: n }, (_, i) => start + i),
      buf,
    );
    tf.tidy(() => fn(tf.tensor2d(buf.subarray(0, n * pixels), [n, pixels]), start));
  }
}

/** The values of `compute` (`width` of them an image) over the split's images, in order, as one array. */
export async function readSplit(
  split: ImageSplit,
  pixels: number,
  width: number,
  compute: (x: Tensor) => Tensor,
): Promise<Float32Array> {
  const out = new Float32Array(split.count * width);
  const reads = new Reads();
  forEachBatch(split, pixels, (x, start) => reads.values(compute(x), (v) => out.set(v, start * width)));
  await reads.read();
  return out;
}

import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { tf, tfl } from '../tf';
import { relativeError } from './relative-error';
import { resizeNearestGradient } from './resize-nearest-gradient';

type Shape4 = [number, number, number, number];
type Case = { x: Shape4; size: [number, number]; alignCorners: boolean; halfPixelCenters: boolean };

const count = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Values of both signs that are not round, so that sums in another order differ in their last bits. */
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 3 * Math.sin(1.37 * i + seed));

/** d/dx of Σ w · op(x) on the active backend, x and w as given. */
function gradient(op: (x: Tensor4D) => Tensor, x: Shape4, xs: Float32Array, ws: Float32Array): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor4d(xs, x);
    const w = tf.tensor(ws, op(input).shape);
    return tf
      .grad((t: Tensor) => tf.sum(tf.mul(op(t as Tensor4D), w)))(input)
      .dataSync() as Float32Array;
  });
}

const resize = (c: Case) => (x: Tensor4D) => tf.image.resizeNearestNeighbor(x, c.size, c.alignCorners, c.halfPixelCenters);
const dyShape = (c: Case): Shape4 => [c.x[0], c.size[0], c.size[1], c.x[3]];

describe('the gradient of nearest-neighbour resizing (upsample layers) on cpu', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    await selectBackend('cpu');
  });

  it('is the studio’s kernel, not tfjs-backend-cpu’s', async () => {
    await selectBackend('cpu');
    expect(tf.getKernel('ResizeNearestNeighborGrad', 'cpu')?.kernelFunc).toBe(resizeNearestGradient);
  });

  // The layer as architecture.ts builds it: tfjs-layers calls resizeNearestNeighbor(x, [f·h, f·w]), so
  // alignCorners = halfPixelCenters = false, and output pixel (y, x) reads input pixel (⌊y/f⌋, ⌊x/f⌋):
  // dx[i, j] is the sum of dy over the f × f block above it. Integer dy: every sum is exact in any order.
  it.each([
    { x: [3, 4, 5, 2] as Shape4, f: 2 },
    { x: [2, 3, 3, 4] as Shape4, f: 3 },
    { x: [1, 2, 1, 1] as Shape4, f: 2 },
  ])('of upSampling2d ×$f on $x is the sum of dy over each f × f block, exactly, on cpu and wasm', async ({ x, f }) => {
    const [b, h, w, c] = x;
    const ws = Float32Array.from({ length: count(x) * f * f }, (_, i) => ((i * 7) % 11) - 5);
    const expected = new Float32Array(count(x));
    for (let n = 0; n < b; n++)
      for (let y = 0; y < h * f; y++)
        for (let z = 0; z < w * f; z++)
          for (let d = 0; d < c; d++) {
            const at = ((n * h + Math.floor(y / f)) * w + Math.floor(z / f)) * c + d;
            expected[at] = expected[at]! + ws[((n * h * f + y) * w * f + z) * c + d]!;
          }
    const layer = tfl.layers.upSampling2d({ size: [f, f] });
    const upsample = (t: Tensor4D) => layer.apply(t) as Tensor;
    const xs = values(count(x), 1);
    for (const backend of ['cpu', 'wasm'] as const) {
      await selectBackend(backend);
      expect(gradient(upsample, x, xs, ws)).toEqual(expected);
      const plain = resize({ x, size: [h * f, w * f], alignCorners: false, halfPixelCenters: false });
      expect(gradient(plain, x, xs, ws)).toEqual(expected);
    }
    await selectBackend('cpu');
  });

  // Up and down, by whole and by fractional factors. wasm's kernel ignores halfPixelCenters, so these
  // leave it false; float32 sums in another order: a few ulps.
  const withWasm: Case[] = [
    { x: [4, 14, 14, 8], size: [28, 28], alignCorners: false, halfPixelCenters: false },
    { x: [2, 5, 3, 3], size: [7, 11], alignCorners: false, halfPixelCenters: false },
    { x: [2, 9, 8, 2], size: [4, 5], alignCorners: false, halfPixelCenters: false },
    { x: [2, 5, 3, 3], size: [7, 11], alignCorners: true, halfPixelCenters: false },
    { x: [2, 9, 8, 2], size: [4, 5], alignCorners: true, halfPixelCenters: false },
    { x: [3, 4, 4, 1], size: [1, 1], alignCorners: true, halfPixelCenters: false },
  ];

  it.each(withWasm)('matches wasm’s: x $x → $size, alignCorners $alignCorners', async (c) => {
    const [xs, ws] = [values(count(c.x), 1), values(count(dyShape(c)), 2)];
    await selectBackend('wasm');
    const wasm = gradient(resize(c), c.x, xs, ws);
    await selectBackend('cpu');
    expect(relativeError(gradient(resize(c), c.x, xs, ws), wasm)).toBeLessThan(1e-6);
  });

  // The definition: the forward kernel run on 0, 1, 2, … tells every output pixel its source; each dy
  // element goes there. Summed in float64 in output order, as the kernel does, so exact after rounding.
  it.each([
    ...withWasm,
    { x: [3, 4, 5, 2], size: [8, 10], alignCorners: false, halfPixelCenters: true },
    { x: [2, 5, 3, 3], size: [7, 11], alignCorners: false, halfPixelCenters: true },
    { x: [2, 9, 8, 2], size: [4, 5], alignCorners: false, halfPixelCenters: true },
    { x: [2, 1, 3, 2], size: [3, 4], alignCorners: false, halfPixelCenters: true },
  ] as Case[])(
    'is the adjoint of the forward kernel: x $x → $size, alignCorners $alignCorners, halfPixelCenters $halfPixelCenters',
    async (c) => {
      await selectBackend('cpu');
      const ws = values(count(dyShape(c)), 2);
      const source = tf.tidy(() =>
        resize(c)(
          tf.tensor4d(
            Float32Array.from({ length: count(c.x) }, (_, i) => i),
            c.x,
          ),
        ).dataSync(),
      );
      const sums = new Float64Array(count(c.x));
      source.forEach((s, i) => (sums[s] = sums[s]! + ws[i]!));
      expect(gradient(resize(c), c.x, values(count(c.x), 1), ws)).toEqual(Float32Array.from(sums));
    },
  );
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];
import { selectBackend } from '../backend';
import { tf } from '../tf';
import { relativeError } from './relative-error';

const cases: { x: Shape4; k: number; cout: number; stride: number; pad: 'same' | 'valid' | number }[] = [
  { x: [4, 28, 28, 1], k: 3, cout: 32, stride: 2, pad: 'same' },
  { x: [3, 14, 14, 32], k: 3, cout: 64, stride: 2, pad: 'same' },
  { x: [2, 9, 11, 5], k: 5, cout: 7, stride: 1, pad: 'same' },
  { x: [2, 10, 10, 3], k: 3, cout: 4, stride: 3, pad: 'valid' },
  { x: [2, 8, 8, 2], k: 1, cout: 3, stride: 1, pad: 'valid' },
  // Stride 1 takes the convolution route for dx: uneven 'same' padding (1 before, 2 after), and 'valid'.
  { x: [2, 7, 9, 3], k: 4, cout: 2, stride: 1, pad: 'same' },
  { x: [3, 12, 10, 1], k: 3, cout: 1, stride: 1, pad: 'valid' },
  // One channel in and out, stride 1 (a decoder's output convolution): dW as a convolution too.
  { x: [4, 28, 28, 1], k: 3, cout: 1, stride: 1, pad: 'same' },
  // Padding as wide as the kernel: the convolution routes would need negative padding, so im2col.
  { x: [2, 6, 6, 1], k: 3, cout: 1, stride: 1, pad: 3 },
];

// Tolerance: float32 sums over up to ~3k products, in another order than the cpu kernel.
const tolerance = 1e-5;

describe('convolution gradients for wasm (im2col / col2im around the plain MatMul)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
    await selectBackend('cpu');
  });

  /** Runs one kernel on cpu and on wasm from the same inputs. */
  async function bothBackends(
    kernel: string,
    inputs: Record<string, number[]>,
    attrs: object,
  ): Promise<[Float32Array, Float32Array]> {
    const data = Object.fromEntries(
      Object.entries(inputs).map(([k, shape], i) => [
        k,
        [tf.randomNormal(shape, 0, 1, 'float32', i + 1).dataSync(), shape] as const,
      ]),
    );
    const run = async (backend: 'cpu' | 'wasm') => {
      await selectBackend(backend);
      return tf.tidy(() => {
        const tensors = Object.fromEntries(Object.entries(data).map(([k, [d, shape]]) => [k, tf.tensor(d, shape)]));
        return (tf.engine().runKernel(kernel, tensors, attrs as never) as Tensor).dataSync() as Float32Array;
      });
    };
    return [await run('cpu'), await run('wasm')];
  }

  it.each(cases)(
    'Conv2DBackpropFilter matches cpu: x $x, k $k, cout $cout, stride $stride, $pad',
    async ({ x, k, cout, stride, pad }) => {
      const filterShape: Shape4 = [k, k, x[3], cout];
      const info = tf.backend_util.computeConv2DInfo(x, filterShape, stride, 1, pad);
      const [cpu, wasm] = await bothBackends(
        'Conv2DBackpropFilter',
        { x, dy: [x[0], info.outHeight, info.outWidth, cout] },
        { strides: stride, pad, dataFormat: 'NHWC', filterShape },
      );
      expect(wasm.length).toBe(k * k * x[3] * cout);
      expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
    },
  );

  it.each(cases)(
    'Conv2DBackpropInput matches cpu: x $x, k $k, cout $cout, stride $stride, $pad',
    async ({ x, k, cout, stride, pad }) => {
      const filterShape: Shape4 = [k, k, x[3], cout];
      const info = tf.backend_util.computeConv2DInfo(x, filterShape, stride, 1, pad);
      const [cpu, wasm] = await bothBackends(
        'Conv2DBackpropInput',
        { dy: [x[0], info.outHeight, info.outWidth, cout], filter: filterShape },
        { strides: stride, pad, dataFormat: 'NHWC', inputShape: x, dimRoundingMode: undefined },
      );
      expect(wasm.length).toBe(x[0] * x[1] * x[2] * x[3]);
      expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
    },
  );

  it('lets wasm take the gradients of conv, transposed conv and fused conv, equal to cpu', async () => {
    const grads = async (backend: 'cpu' | 'wasm') => {
      await selectBackend(backend);
      return tf.tidy(() => {
        const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as Tensor4D;
        const w1 = tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 4) as Tensor4D;
        const w2 = tf.randomNormal([3, 3, 2, 4], 0, 0.3, 'float32', 5) as Tensor4D;
        const f = (...weights: Tensor[]) => {
          const [a, b] = weights as [Tensor4D, Tensor4D];
          const h = tf.relu(tf.conv2d(x, a, 2, 'same'));
          const y = tf.conv2dTranspose(h, b, [2, 8, 8, 2], 2, 'same');
          const z = tf.fused.conv2d({ x: y, filter: tf.slice(a, [0, 0, 0, 0], [3, 3, 2, 4]), strides: 1, pad: 'same' });
          return tf.sum(tf.square(z));
        };
        return tf
          .grads(f)([w1, w2])
          .map((g) => g.dataSync() as Float32Array);
      });
    };
    const cpu = await grads('cpu');
    const wasm = await grads('wasm');
    cpu.forEach((g, i) => expect(relativeError(wasm[i] as Float32Array, g)).toBeLessThan(tolerance));
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend';
import { tf } from '../tf';
import { relativeError } from './relative-error';

// Tolerance: float32 sums of up to 784 products, in another order than the cpu kernel's.
const tolerance = 1e-5;

/** Runs `f` on the cpu backend and on wasm from the same inputs, and returns both results' values. */
async function onBoth(shapes: number[][], f: (...xs: Tensor[]) => Tensor | Tensor[]): Promise<[number[], number[]]> {
  const data = shapes.map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 10 + i).dataSync());
  const run = async (backend: 'cpu' | 'wasm') => {
    await selectBackend(backend);
    return tf.tidy(() => {
      const out = f(...data.map((d, i) => tf.tensor(d, shapes[i])));
      return (Array.isArray(out) ? out : [out]).flatMap((t) => Array.from(t.dataSync()));
    });
  };
  return [await run('cpu'), await run('wasm')];
}

describe('MatMul with transposed operands on wasm (explicit transpose, then the plain kernel)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    await selectBackend('wasm');
  });

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('matMul(transposeA %s, transposeB %s) matches cpu', async (ta, tb) => {
    const [m, k, n] = [37, 300, 19];
    const a = ta ? [k, m] : [m, k];
    const b = tb ? [n, k] : [k, n];
    const [cpu, wasm] = await onBoth([a, b], (x, y) => tf.matMul(x as never, y as never, ta, tb));
    expect(wasm).toHaveLength(m * n);
    expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
  });

  it.each([
    [
      [8, 300],
      [200, 300],
    ],
    [
      [1, 8, 300],
      [1, 200, 300],
    ],
  ])('a small %j times a large transposed %j (computed as (b·aᵀ)ᵀ) matches cpu', async (a, b) => {
    const [cpu, wasm] = await onBoth([a, b], (x, y) => tf.matMul(x as never, y as never, false, true));
    expect(wasm).toHaveLength(8 * 200);
    expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
  });

  it('batched matMul with both operands transposed matches cpu', async () => {
    const [cpu, wasm] = await onBoth(
      [
        [3, 20, 7],
        [3, 11, 20],
      ],
      (x, y) => tf.matMul(x as never, y as never, true, true),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
  });

  it('fused matMul with bias and relu, transposed, matches cpu', async () => {
    const [cpu, wasm] = await onBoth([[50, 12], [9, 50], [9]], (x, w, bias) =>
      tf.fused.matMul({ a: x as never, b: w as never, transposeA: true, transposeB: true, bias, activation: 'relu' }),
    );
    expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
  });

  it('the gradients of a dense layer (x·W + b, relu) match cpu', async () => {
    const [cpu, wasm] = await onBoth([[64, 784], [784, 128], [128]], (x, w, b) => {
      const grads = tf.grads((xx: Tensor, ww: Tensor, bb: Tensor) =>
        tf.sum(tf.square(tf.fused.matMul({ a: xx as never, b: ww as never, bias: bb, activation: 'relu' }))),
      );
      return grads([x as Tensor, w as Tensor, b as Tensor]);
    });
    expect(wasm).toHaveLength(64 * 784 + 784 * 128 + 128);
    expect(relativeError(wasm, cpu)).toBeLessThan(tolerance);
  });

  it('leaves no tensor data behind', async () => {
    await selectBackend('wasm');
    const x = tf.randomNormal([40, 30]);
    const y = tf.randomNormal([20, 30]);
    const big = tf.randomNormal([300, 30]);
    // The backend's own count of buffers: the transposed temporaries must be freed too, not only tensors.
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    tf.tidy(() => [
      tf.matMul(x, y, false, true).dataSync(),
      tf.matMul(x, x, true, false).dataSync(),
      tf.matMul(x, big, false, true).dataSync(),
    ]);
    expect(buffers()).toBe(before);
    tf.dispose([x, y, big]);
  });
});

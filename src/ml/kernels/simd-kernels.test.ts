import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend';
import { tf } from '../tf';
import { relativeError } from './relative-error';
import { kernelsWat, wasmSimd } from './simd-module';

/** The same computation on cpu and on wasm, from the same inputs; both results' values. */
async function onBoth(compute: () => ArrayLike<number>): Promise<[number[], number[]]> {
  const run = async (backend: 'cpu' | 'wasm') => {
    await selectBackend(backend);
    let values: number[] = [];
    tf.tidy(() => {
      values = Array.from(compute());
    });
    return values;
  };
  return [await run('cpu'), await run('wasm')];
}

describe('the SIMD kernels on wasm', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    await selectBackend('wasm');
  });

  it('are compiled from their WebAssembly text and enabled once wasm is ready', () => {
    expect(kernelsWat(false)).toContain('(export "transpose32")');
    expect(wasmSimd()).not.toBeNull();
  });

  // Edges of every kind: multiples of 4 and of the 32-block, remainders in rows, columns or both.
  it.each([[[784, 512]], [[128, 784]], [[37, 130]], [[5, 3]], [[1, 9]], [[64, 1]], [[3, 20, 7]], [[2, 2, 33, 66]]])(
    'transpose of the last two axes of %j moves every element exactly as cpu does',
    async (shape) => {
      const perm = [...shape.keys()].map((i) => (i < shape.length - 2 ? i : 2 * shape.length - 3 - i));
      const [cpu, wasm] = await onBoth(() => tf.transpose(tf.randomNormal(shape, 0, 1, 'float32', 3), perm).dataSync());
      expect(wasm).toHaveLength(cpu.length);
      expect(wasm).toEqual(cpu);
    },
  );

  it('transposes int32 tensors too, and leaves other permutations to wasm’s own kernel', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const x = tf.reshape(tf.range(0, 4 * 6 * 5, 1, 'int32'), [4, 6, 5]);
      return [...tf.transpose(x, [0, 2, 1]).dataSync(), ...tf.transpose(x, [2, 0, 1]).dataSync()];
    });
    expect(wasm).toEqual(cpu);
  });

  it.each([
    [[128, 784], [0]],
    [[37, 13], [0]],
    [
      [4, 6, 10],
      [0, 1],
    ],
    [[4, 6, 10], [0]],
    [[50, 3], [0]], // fewer than four columns: wasm's own kernel
  ])('sum of %j over leading axes %j matches cpu', async (shape, axes) => {
    const [cpu, wasm] = await onBoth(() => tf.sum(tf.randomNormal(shape, 0, 1, 'float32', 5), axes).dataSync());
    expect(wasm).toHaveLength(cpu.length);
    // float32 sums of up to 128 terms in the same order; a tolerance for the other order of a pairwise sum.
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
  });

  it('sum with keepDims keeps the shape, and sums over inner axes still go to wasm’s own kernel', async () => {
    await selectBackend('wasm');
    const x = tf.ones([3, 4, 5]);
    expect(tf.sum(x, 0, true).shape).toEqual([1, 4, 5]);
    expect(Array.from(tf.sum(x, [0, 1]).dataSync())).toEqual([12, 12, 12, 12, 12]);
    expect(Array.from(tf.sum(x, -1).dataSync())).toEqual(new Array(12).fill(5));
    tf.dispose(x);
  });

  it('identity shares the buffer: the copy reads the same, outlives the original, and frees with the last reference', async () => {
    await selectBackend('wasm');
    const buffers = () => tf.engine().backend.numDataIds();
    const before = buffers();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(buffers()).toBe(before + 1);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    // A kernel on the shared buffer writes a new one; the shared one stays as it was.
    const z = tf.add(y, 1);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([y, z]);
    expect(buffers()).toBe(before);
  });
});

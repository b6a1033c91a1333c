import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './backend';
import { readAll, readFloats, Reads } from './read';
import { tf } from './tf';

describe('batched asynchronous reads', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('hands each tensor asked for inside a tidy its values, rows split, and frees them all', async () => {
    const before = tf.memory().numTensors;
    const reads = new Reads();
    const seen: number[][] = [];
    const rows = tf.tidy(() => {
      const t = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
      reads.values(tf.sum(t), (v) => seen.push(Array.from(v)));
      reads.values(tf.cast(tf.argMax(t, 1), 'int32'), (v) => seen.push(Array.from(v)));
      return reads.rows(tf.mul(t, 10), 3, 2);
    });
    expect(rows).toEqual([]);
    await reads.read();
    expect(seen).toEqual([[21], [1, 1, 1]]);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [10, 20],
      [30, 40],
      [50, 60],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads a variable without freeing it', async () => {
    const v = tf.variable(tf.tensor1d([1.5, -2]));
    expect(Array.from(await readFloats(() => v))).toEqual([1.5, -2]);
    const { a, b } = await readAll(() => ({ a: v, b: tf.neg(v) }));
    expect([Array.from(a), Array.from(b)]).toEqual([
      [1.5, -2],
      [-1.5, 2],
    ]);
    expect(v.isDisposed).toBe(false);
    expect(Array.from(await v.data())).toEqual([1.5, -2]);
    v.dispose();
  });
});

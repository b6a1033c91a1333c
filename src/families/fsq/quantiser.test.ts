import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf, type Tensor } from '../../ml/tf';
import { fsqQuantiser } from './model';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('the FSQ quantiser (Mentzer et al. 2023)', () => {
  const levels = [8, 5, 3, 4];

  it('rounds each channel to exactly its L levels, in [−1, 1], whatever z is', () => {
    const q = fsqQuantiser(levels);
    const z = tf.tile(tf.expandDims(tf.linspace(-20, 20, 4001), 1), [1, levels.length]);
    const values = q.quantise(z).arraySync() as number[][];
    levels.forEach((l, c) => {
      const distinct = [...new Set(values.map((r) => (r[c] as number).toFixed(6)))].map(Number).sort((a, b) => a - b);
      expect(distinct).toHaveLength(l);
      expect(Math.min(...distinct)).toBeCloseTo(-1, 6);
      expect(Math.max(...distinct)).toBeLessThanOrEqual(1);
    });
    // bound(0) = 0: a zero code is the grid's centre point.
    expect((q.quantise(tf.zeros([1, levels.length])).arraySync() as number[][])[0]).toEqual([0, 0, 0, 0]);
  });

  it('quantises a channel of two levels too: finite codes, split at z = 0', () => {
    const q = fsqQuantiser([2, 3]);
    const z = tf.tensor2d([
      [-3, -3],
      [-0.01, 0],
      [0.01, 0],
      [3, 3],
    ]);
    const values = q.quantise(z).arraySync() as number[][];
    expect(values.flat().every(Number.isFinite)).toBe(true);
    expect(values.map((r) => r[0])).toEqual([-1, -1, 0, 0]);
    expect(q.indices(q.quantise(z)).arraySync()).toEqual([0, 2, 3, 5]);
  });

  it('numbers the Π L_i grid points one to one: indices and values invert each other', () => {
    const q = fsqQuantiser(levels);
    expect(q.codes).toBe(8 * 5 * 3 * 4);
    const all = tf.range(0, q.codes, 1, 'int32');
    const back = q.indices(q.values(all)).arraySync() as number[];
    expect(back).toEqual(Array.from({ length: q.codes }, (_, i) => i));
  });

  it('passes gradients straight through the rounding (the bound’s own gradient)', () => {
    const q = fsqQuantiser([5]);
    const z = tf.tensor2d([[0.1], [0.7], [-1.3]]);
    const grad = tf
      .grad((x: Tensor) => tf.sum(q.quantise(x)))(z)
      .arraySync() as number[][];
    // d/dz tanh(z)·half_l/⌊L/2⌋ for L = 5 (no shift): (1 − tanh²z)·2(1 − 1e-3)/2.
    [0.1, 0.7, -1.3].forEach((v, i) => expect(grad[i]?.[0]).toBeCloseTo((1 - Math.tanh(v) ** 2) * 0.999, 5));
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf } from '../../ml/tf';
import { residualQuantise } from './model';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('residual quantisation (Lee et al. 2022, eq. 2–3)', () => {
  it('codes what each earlier depth left: a vector made of one code per book comes back exactly', () => {
    const coarse = tf.tensor2d([
      [4, 0],
      [0, 4],
      [-4, -4],
    ]);
    const fine = tf.tensor2d([
      [0.5, 0],
      [0, -0.5],
      [0.25, 0.25],
    ]);
    // Rows: coarse 0 + fine 1, coarse 2 + fine 2, coarse 1 + fine 0.
    const z = tf.tensor2d([
      [4, -0.5],
      [-3.75, -3.75],
      [0.5, 4],
    ]);
    const depths = residualQuantise(z, [coarse, fine]);
    expect(depths.map((q) => q.indices.arraySync())).toEqual([
      [0, 2, 1],
      [1, 2, 0],
    ]);
    expect(depths[1]?.partial.arraySync()).toEqual(z.arraySync());
    // Depth 2 quantised the residual of depth 1, not z.
    expect(depths[1]?.residual.arraySync()).toEqual([
      [0, -0.5],
      [0.25, 0.25],
      [0.5, 0],
    ]);
  });
});

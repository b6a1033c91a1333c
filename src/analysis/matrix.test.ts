import { describe, expect, it } from 'vitest';
import { computeDci } from './dci';
import { varyingColumns } from './matrix';
import { computeMig } from './mig';
import { computeSap } from './sap';
import { mulberry32 } from './random';

describe('the factors a disentanglement metric scores', () => {
  it('are those that vary: a constant factor moves none of MIG, SAP and DCI', () => {
    const rng = mulberry32(3);
    const n = 400;
    const codes = new Float64Array(n * 3);
    const two = new Float64Array(n * 2);
    const three = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      const a = Math.floor(rng() * 4);
      const b = Math.floor(rng() * 3);
      codes.set([a + 0.3 * rng(), b + 0.3 * rng(), rng()], i * 3);
      two.set([a, b], i * 2);
      three.set([a, b, 7], i * 3);
    }
    const { matrix, kept } = varyingColumns({ values: three, dim: 3 });
    expect(kept).toEqual([0, 1]);
    expect(Array.from(matrix.values)).toEqual(Array.from(two));
    const scores = (factors: { values: Float64Array; dim: number }) => [
      computeMig({ values: codes, dim: 3 }, factors).mig,
      computeSap({ values: codes, dim: 3 }, factors).sap,
      computeDci({ values: codes, dim: 3 }, factors, { seed: 0 }).disentanglement,
    ];
    expect(scores(matrix)).toEqual(scores({ values: two, dim: 2 }));
    // Scored with it, SAP and DCI move (the reason it is left out).
    expect(scores({ values: three, dim: 3 })).not.toEqual(scores({ values: two, dim: 2 }));
    expect(varyingColumns({ values: new Float64Array([1, 1, 1, 1]), dim: 2 }).kept).toEqual([]);
  });
});

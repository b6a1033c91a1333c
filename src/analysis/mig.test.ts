import { describe, expect, it } from 'vitest';

import { histogramDiscretize } from './discretise';
import { reference } from './fixtures/sklearn-reference';
import { computeMig } from './mig';
import { concatColumns, gridFactors, noiseCodes } from './test-data';

const sizes = [3, 6, 10, 8, 8];

describe('histogramDiscretize (disentanglement_lib utils._histogram_discretize)', () => {
  it('bins 0.1 … 0.6 into 1, 1, 2, 2, 3, 3 with three bins (utils_test)', () => {
    expect(Array.from(histogramDiscretize(Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), 3))).toEqual([1, 1, 2, 2, 3, 3]);
    expect(Array.from(histogramDiscretize(Float64Array.of(0.6, 0.5, 0.4, 0.3, 0.2, 0.1), 3))).toEqual([3, 3, 2, 2, 1, 1]);
  });

  it('bins float32 codes exactly as numpy does', () => {
    const codes = reference.representation.codes;
    for (let j = 0; j < 3; j++) {
      const column = Float32Array.from(codes, (row) => row[j]!);
      expect(Array.from(histogramDiscretize(column, 20))).toEqual(reference.mig.discretized.map((row) => row[j]));
    }
  });
});

describe('computeMig', () => {
  it('matches disentanglement_lib _compute_mig on a noisy representation', () => {
    const codes = { values: Float32Array.from(reference.representation.codes.flat()), dim: 3 };
    const factors = { values: reference.representation.factors.flat(), dim: 2 };
    const result = computeMig(codes, factors);
    expect(result.mig).toBeCloseTo(reference.mig.mig, 12);
    result.mutualInformation.forEach((row, f) =>
      row.forEach((mi, i) => expect(mi).toBeCloseTo(reference.mig.mutualInformation[f]![i]!, 12)),
    );
    result.factorEntropies.forEach((h, f) => expect(h).toBeCloseTo(reference.mig.entropies[f]!, 12));
  });

  it('is near 1 for codes that copy the factors', () => {
    const factors = gridFactors(5000, sizes, 1);
    const result = computeMig(factors, factors);
    expect(result.mig).toBeGreaterThan(0.97);
    expect(result.mutualInformation).toHaveLength(sizes.length);
    expect(result.mutualInformation[0]).toHaveLength(sizes.length);
  });

  it('is near 0 for random codes and for a duplicated latent space', () => {
    const factors = gridFactors(5000, sizes, 2);
    expect(computeMig(noiseCodes(5000, 8, 3), factors).mig).toBeLessThan(0.05);
    expect(computeMig(concatColumns(factors, factors), factors).mig).toBeLessThan(0.05);
  });
});

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

describe('the chance level of each cell (shuffled factors)', () => {
  it('puts the estimate of codes independent of the factors at or below chance, at about Miller’s bias', () => {
    // 1,000 images, a factor of 40 values against 20 bins: the plug-in estimate of independent variables is biased
    // up by about (K − 1)(B − 1) / 2N = 39 · 19 / 2000 ≈ 0.37 nats (Miller 1955), what a researcher would misread.
    const n = 1000;
    const factors = gridFactors(n, [40, 3], 5);
    const result = computeMig(noiseCodes(n, 10, 6), factors);
    const orientation = result.mutualInformation[0]!;
    const chance = result.chanceInformation[0]!;
    const mean = orientation.reduce((a, b) => a + b, 0) / orientation.length;
    expect(mean).toBeGreaterThan(0.25);
    expect(Math.min(...chance)).toBeGreaterThan(0.8 * mean);
    expect(orientation.filter((v, j) => v <= chance[j]!).length).toBeGreaterThanOrEqual(8);
    // The factor of 3 values: a bias twenty times smaller, and its chance level with it.
    expect(Math.max(...result.chanceInformation[1]!)).toBeLessThan(0.05);
  });

  it('is a permutation test at 5 %: about one cell in twenty of independent codes exceeds it', () => {
    let above = 0;
    let cells = 0;
    for (let seed = 0; seed < 20; seed++) {
      const r = computeMig(noiseCodes(600, 10, 100 + seed), gridFactors(600, [40, 3], 200 + seed), { chanceSeed: seed });
      r.mutualInformation.forEach((row, f) =>
        row.forEach((v, j) => {
          cells++;
          if (v > r.chanceInformation[f]![j]!) above++;
        }),
      );
    }
    // 400 cells: 5 % is 20 of them (binomial sd 4.4); the 90th percentile of 20 shuffles passed 9.5 %.
    expect(above / cells).toBeGreaterThan(0.02);
    expect(above / cells).toBeLessThan(0.085);
  });

  it('leaves a code that carries the factor far above chance, and is fixed by its seed', () => {
    const n = 1000;
    const factors = gridFactors(n, [40, 3], 7);
    const codes = concatColumns(factors, noiseCodes(n, 2, 8));
    const result = computeMig(codes, factors);
    expect(result.mutualInformation[0]![0]).toBeGreaterThan(5 * result.chanceInformation[0]![0]!);
    expect(result.mutualInformation[1]![1]).toBeGreaterThan(5 * result.chanceInformation[1]![1]!);
    expect(computeMig(codes, factors).chanceInformation).toEqual(result.chanceInformation);
    expect(computeMig(codes, factors, { chanceSeed: 1 }).chanceInformation).not.toEqual(result.chanceInformation);
  });
});

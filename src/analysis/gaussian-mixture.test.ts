import { describe, expect, it } from 'vitest';

import { reference } from './fixtures/sklearn-reference';
import { fitGaussianMixture } from './gaussian-mixture';

describe('fitGaussianMixture (diagonal, EM)', () => {
  it('fits two far-apart blobs with the hand-computed log-likelihood', () => {
    const points = { values: [-11, -10, -9, 9, 10, 11], dim: 1 };
    const fit = fitGaussianMixture(points, 2);
    // Each blob: weight 1/2, mean ±10, variance 2/3 (+ 1e-6 regularisation); the other blob's density is e^-150 smaller.
    const variance = 2 / 3 + 1e-6;
    const logDensity = (x: number) => Math.log(0.5) - 0.5 * Math.log(2 * Math.PI * variance) - (x - 10) ** 2 / (2 * variance);
    const expected = [9, 10, 11].reduce((s, x) => s + logDensity(x), 0) / 3;
    expect(fit.meanLogLikelihood).toBeCloseTo(expected, 10);
    expect(Array.from(fit.means).sort((a, b) => a - b)).toEqual([expect.closeTo(-10, 10), expect.closeTo(10, 10)]);
    expect(Array.from(fit.variances)).toEqual([expect.closeTo(variance, 10), expect.closeTo(variance, 10)]);
    expect(fit.assignments[0]).toBe(fit.assignments[2]);
    expect(fit.assignments[0]).not.toBe(fit.assignments[3]);
  });

  it('matches sklearn GaussianMixture(covariance_type="diag") on three blobs', () => {
    const fit = fitGaussianMixture({ values: reference.blobs.points.flat(), dim: 2 }, 3);
    expect(fit.converged).toBe(true);
    expect(fit.meanLogLikelihood).toBeCloseTo(reference.blobs.mixtureMeanLogLikelihood, 8);
    // Order components as the fixture does (by mean x + 10 mean y).
    const order = [0, 1, 2].sort(
      (a, b) => fit.means[a * 2]! + 10 * fit.means[a * 2 + 1]! - (fit.means[b * 2]! + 10 * fit.means[b * 2 + 1]!),
    );
    order.forEach((c, r) => {
      expect(fit.weights[c]).toBeCloseTo(reference.blobs.mixtureWeights[r]!, 8);
      [0, 1].forEach((j) => {
        expect(fit.means[c * 2 + j]).toBeCloseTo(reference.blobs.mixtureMeans[r]![j]!, 8);
        expect(fit.variances[c * 2 + j]).toBeCloseTo(reference.blobs.mixtureVariances[r]![j]!, 8);
      });
    });
  });
});

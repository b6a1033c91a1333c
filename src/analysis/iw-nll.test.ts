import { describe, expect, it } from 'vitest';

import { activeUnits, computeIwNll, logMeanExp } from './iw-nll';
import { mulberry32, standardNormal } from './random';

const logNormal = (x: number, mean: number, variance: number) =>
  -0.5 * (Math.log(2 * Math.PI * variance) + (x - mean) ** 2 / variance);

describe('logMeanExp', () => {
  it('equals the naive formula on safe values', () => {
    const values = [-1.5, 0.2, 2.7, -0.3];
    const naive = Math.log(values.reduce((s, v) => s + Math.exp(v), 0) / values.length);
    expect(logMeanExp(values)).toBeCloseTo(naive, 14);
    expect(logMeanExp(Float64Array.of(9, 1, 2, 3, 9), 1, 3)).toBeCloseTo(
      Math.log((Math.exp(1) + Math.exp(2) + Math.exp(3)) / 3),
      14,
    );
  });

  it('neither overflows nor underflows where the naive formula does', () => {
    expect(logMeanExp([1000, 1000])).toBeCloseTo(1000, 12);
    expect(logMeanExp([-1000, -1000 + Math.log(3)])).toBeCloseTo(-1000 + Math.log(2), 12);
    expect(Math.log((Math.exp(1000) + Math.exp(1000)) / 2)).toBe(Infinity);
    expect(logMeanExp([-Infinity, -Infinity])).toBe(-Infinity);
  });
});

describe('computeIwNll', () => {
  // Linear Gaussian model: z ~ N(0, 1), x | z ~ N(a z, s²), so p(x) = N(0, a² + s²); q(z | x) is deliberately wrong.
  const a = 2;
  const s2 = 0.5;
  const xs = Array.from({ length: 400 }, (_, i) => -3 + (6 * i) / 399);
  const trueNll = -xs.reduce((sum, x) => sum + logNormal(x, 0, a * a + s2), 0) / xs.length;
  const logWeights = (samples: number, seed: number) => {
    const rng = mulberry32(seed);
    const values = new Float64Array(xs.length * samples);
    xs.forEach((x, i) => {
      const qMean = 0.3 * x + 0.2;
      const qVariance = 0.6;
      for (let k = 0; k < samples; k++) {
        const z = qMean + Math.sqrt(qVariance) * standardNormal(rng);
        values[i * samples + k] = logNormal(x, a * z, s2) + logNormal(z, 0, 1) - logNormal(z, qMean, qVariance);
      }
    });
    return { values, dim: samples };
  };

  it('tightens toward the true log p(x) as K grows, and is never above −ELBO', () => {
    // Averaged over seeded repeats so that the expected order shows through the sampling noise (about 2e-3 here).
    const averageNll = (k: number, repeats: number) =>
      Array.from({ length: repeats }, (_, r) => computeIwNll(logWeights(k, 100 + r)).nll).reduce((s, v) => s + v, 0) / repeats;
    const gaps = [1, 10, 100, 1000].map((k) => averageNll(k, k === 1000 ? 2 : 8) - trueNll);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan(gaps[i - 1]!);
    expect(gaps[0]).toBeGreaterThan(1);
    expect(Math.abs(gaps.at(-1)!)).toBeLessThan(0.005);
    for (const k of [1, 10, 100]) {
      const estimate = computeIwNll(logWeights(k, 7));
      expect(estimate.nll).toBeLessThanOrEqual(estimate.negativeElbo + 1e-12);
      if (k === 1) expect(estimate.nll).toBeCloseTo(estimate.negativeElbo, 12);
    }
  });

  it('matches numerical integration over a 2-D latent for a nonlinear decoder', () => {
    // x ∈ R², z ∈ R²: x | z ~ N(tanh(W z + b), 0.3² I); log p(x) by a 2-D grid quadrature of p(x|z)p(z).
    const w = [
      [1.2, -0.7],
      [0.4, 0.9],
    ];
    const b = [0.1, -0.2];
    const noise = 0.09;
    const logJoint = (x: number[], z: number[]) =>
      [0, 1].reduce((s, r) => s + logNormal(x[r]!, Math.tanh(w[r]![0]! * z[0]! + w[r]![1]! * z[1]! + b[r]!), noise), 0) +
      logNormal(z[0]!, 0, 1) +
      logNormal(z[1]!, 0, 1);
    const x = [0.5, -0.3];
    const step = 0.02;
    let integral = 0;
    for (let u = -6; u <= 6; u += step)
      for (let v = -6; v <= 6; v += step) integral += Math.exp(logJoint(x, [u, v])) * step * step;
    // Proposal: a broad Gaussian, q = N(0, 1.5² I); the estimate is unbiased in p(x), so with K large it meets the integral.
    const rng = mulberry32(3);
    const samples = 20000;
    const values = new Float64Array(samples);
    for (let k = 0; k < samples; k++) {
      const z = [1.5 * standardNormal(rng), 1.5 * standardNormal(rng)];
      values[k] = logJoint(x, z) - logNormal(z[0]!, 0, 2.25) - logNormal(z[1]!, 0, 2.25);
    }
    expect(computeIwNll({ values, dim: samples }).nll).toBeCloseTo(-Math.log(integral), 1);
  });
});

describe('activeUnits', () => {
  it('counts the dimensions whose posterior mean varies by more than 0.01 across the data', () => {
    const rng = mulberry32(4);
    const values = new Float64Array(1000 * 3);
    for (let i = 0; i < 1000; i++) {
      values[i * 3] = standardNormal(rng);
      values[i * 3 + 1] = 0.05 * standardNormal(rng);
      values[i * 3 + 2] = 0.3 * standardNormal(rng);
    }
    const result = activeUnits({ values, dim: 3 });
    expect(result.count).toBe(2);
    expect(result.active).toEqual([true, false, true]);
    expect(result.variances[0]).toBeCloseTo(1, 1);
  });
});

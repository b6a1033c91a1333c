import { describe, expect, it } from 'vitest';

import { computeBetaVaeScore } from './beta-vae-score';
import { mulberry32, standardNormal } from './random';
import { gridSource } from './test-data';

const sizes = [10, 10, 10, 10, 10];
const small = { batchSize: 5, trainPoints: 1000, evalPoints: 500 };

describe('computeBetaVaeScore', () => {
  it('is near 1 for codes that copy the factors (beta_vae_test)', async () => {
    const calls: number[] = [];
    const source = gridSource(sizes, (factors) => {
      calls.push(factors.length);
      return factors.flat();
    });
    const result = await computeBetaVaeScore(source, { ...small, rowsPerCall: 1000 });
    expect(result.trainAccuracy).toBeGreaterThan(0.9);
    expect(result.evalAccuracy).toBeGreaterThan(0.9);
    expect(Math.max(...calls)).toBeLessThanOrEqual(1000);
    // Every training and evaluation point needs two batches of images.
    expect(calls.reduce((a, b) => a + b, 0)).toBe((1000 + 500) * 2 * 5);
  });

  it('is at chance for codes that ignore the factors, and takes an async encoder', async () => {
    const noise = mulberry32(1);
    const source = gridSource(sizes, (factors) =>
      Promise.resolve(Array.from({ length: factors.length * 6 }, () => standardNormal(noise))),
    );
    const result = await computeBetaVaeScore(source, small);
    expect(result.evalAccuracy).toBeGreaterThan(0.1);
    expect(result.evalAccuracy).toBeLessThan(0.3);
  });

  it('gives the same figures for the same seed', async () => {
    const source = gridSource(sizes, (factors) => factors.map((f) => [f[0]! + f[1]!, f[2]!, f[3]! - f[4]!]).flat());
    const options = { ...small, trainPoints: 200, evalPoints: 100, seed: 3 };
    expect(await computeBetaVaeScore(source, options)).toEqual(await computeBetaVaeScore(source, options));
  });
});

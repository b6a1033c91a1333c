import { describe, expect, it } from 'vitest';

import { computeFactorVaeScore } from './factor-vae-score';
import { mulberry32, standardNormal } from './random';
import { gridSource } from './test-data';

const sizes = [10, 10, 10, 10, 10];
const small = { batchSize: 5, trainPoints: 3000, evalPoints: 2000, varianceEstimatePoints: 2500 };

describe('computeFactorVaeScore', () => {
  it('is near 1 for codes that copy the factors (factor_vae_test)', async () => {
    const result = await computeFactorVaeScore(
      gridSource(sizes, (factors) => factors.flat()),
      small,
    );
    expect(result.trainAccuracy).toBeGreaterThan(0.9);
    expect(result.evalAccuracy).toBeGreaterThan(0.9);
    expect(result.activeDims).toBe(5);
    result.votes.forEach((row, f) => expect(row.indexOf(Math.max(...row))).toBe(f));
  });

  it('is 0 for constant codes, which are all pruned (factor_vae_test bad_metric)', async () => {
    const result = await computeFactorVaeScore(
      gridSource(sizes, (factors) => new Float32Array(factors.length * 5)),
      small,
    );
    expect(result).toEqual({ trainAccuracy: 0, evalAccuracy: 0, activeDims: 0, votes: [] });
  });

  it('is near chance for codes that ignore the factors, and prunes a collapsed dimension', async () => {
    const noise = mulberry32(2);
    const result = await computeFactorVaeScore(
      gridSource(sizes, (factors) =>
        factors.flatMap(() => [
          standardNormal(noise),
          standardNormal(noise),
          standardNormal(noise),
          0.01 * standardNormal(noise),
        ]),
      ),
      small,
    );
    expect(result.activeDims).toBe(3);
    expect(result.evalAccuracy).toBeLessThan(0.3);
    expect(result.votes.every((row) => row[3] === 0)).toBe(true);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { Reads } from '../../ml/read';
import { tf, type Tensor } from '../../ml/tf';
import { posteriorMetrics } from './densities';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** The test metrics over one batch of four images, for a posterior of the given means (σ = 1 throughout). */
async function over(mu: number[][], standardPrior: boolean) {
  const metrics = posteriorMetrics(() => ({ mu: tf.tensor2d(mu), logVar: tf.zeros([mu.length, mu[0]!.length]) }), standardPrior);
  const reads = new Reads();
  tf.tidy(() => metrics.batch(tf.zeros([mu.length, 4]) as Tensor, undefined, reads));
  await reads.read();
  return metrics.result(mu.length);
}

describe('the posterior’s test metrics', () => {
  // Every image encoded to the same far-off mean: a large KL to N(0, I), but q(z|x) says nothing of x.
  const collapsedFarOff = [
    [3, -2],
    [3, -2],
    [3, -2],
    [3, -2],
  ];
  const varied = [
    [0, 1],
    [1, -1],
    [-1, 0.5],
    [0.5, 0],
  ];

  it('under N(0, I): the KL of each dimension, and collapse when every one is about zero', async () => {
    const far = await over(collapsedFarOff, true);
    expect(far.metrics).toEqual({ kl_dim_0: 4.5, kl_dim_1: 2, active_units: 0 });
    expect(far.warning).toBeUndefined();
    const zero = await over(
      collapsedFarOff.map((r) => r.map(() => 0)),
      true,
    );
    expect(zero.warning?.detail).toMatch(/^the KL of every latent dimension is below/);
  });

  it('under a mixture prior: no per-dimension KL (it does not split by dimension), and collapse when no unit is active', async () => {
    const far = await over(collapsedFarOff, false);
    expect(far.metrics).toEqual({ active_units: 0 });
    expect(far.warning?.detail).toMatch(/0 active units\), so the decoder ignores z/);
    const alive = await over(varied, false);
    expect(alive.metrics).toEqual({ active_units: 2 });
    expect(alive.warning).toBeUndefined();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { Reads } from '../../ml/read';
import { tf, type Tensor } from '../../ml/tf';
import { defaultRunConfig } from '../run-config';
import { aaeFamily, priorLogDensity, priorSamples } from './model';
import type { AaeModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

/** log p(z) of the ring of ten Gaussians (σ 0.5, radius 4) in the first two dimensions, N(0, 1) in the rest, by hand. */
function byHand(z: number[]): number {
  const [a, b, ...rest] = z as [number, number, ...number[]];
  const ring = Array.from({ length: 10 }, (_, c) => {
    const [mx, my] = [4 * Math.cos((2 * Math.PI * c) / 10), 4 * Math.sin((2 * Math.PI * c) / 10)];
    return Math.exp(-((a - mx) ** 2 + (b - my) ** 2) / (2 * 0.25)) / (2 * Math.PI * 0.25);
  });
  const ringDensity = ring.reduce((s, v) => s + v, 0) / 10;
  return Math.log(ringDensity) + rest.reduce((s, v) => s - 0.5 * Math.log(2 * Math.PI) - (v * v) / 2, 0);
}

describe('the AAE’s mixture prior', () => {
  it('has the log density of the ring its samples are drawn from', () => {
    const logDensity = priorLogDensity('mixture', 3)!;
    const points = [
      [4, 0, 0],
      [0, 0, 1],
      [3.2, 2.35, -0.5],
      [-4, 0.1, 2],
    ];
    const ours = logDensity(tf.tensor2d(points)).arraySync() as number[];
    points.forEach((p, i) => expect(ours[i]).toBeCloseTo(byHand(p), 4));
    // Its own draws are far likelier under it than under N(0, I).
    const draws = priorSamples('mixture', 500, 3, 4);
    const mean = (t: Tensor) => tf.mean(t).dataSync()[0]!;
    const standard = tf.sum(tf.sub(tf.mul(-0.5, tf.square(draws)), 0.5 * Math.log(2 * Math.PI)), 1);
    expect(mean(logDensity(draws)) - mean(standard)).toBeGreaterThan(5);
    expect(priorLogDensity('gaussian', 3)).toBeUndefined();
  });

  it('draws the same samples from the same seed, seed 0 (a sample request’s default) included', () => {
    const draw = (seed: number) => Array.from(priorSamples('mixture', 3, 2, seed).dataSync());
    for (const seed of [0, 5]) expect(draw(seed), `seed ${seed}`).toEqual(draw(seed));
    expect(draw(0)).not.toEqual(draw(5));
  });

  it('is the prior of the AAE’s likelihood and of the KL it reports', async () => {
    const config = defaultRunConfig('aae');
    const build = (prior: AaeModel['prior']) =>
      aaeFamily.build({
        model: { ...(config.model as AaeModel), prior, latentSize: 2 },
        training: config.training,
        inputShape: [4, 4, 1],
        seed: 3,
        classes: 0,
      });
    const [ring, gaussian] = [build('mixture'), build('gaussian')];
    const x = tf.randomUniform([2, 16], 0, 1, 'float32', 1);
    // The same weights (the same seed), the same draws: only log p(z) can differ between the two.
    const reconstructed = (m: typeof ring) => {
      const t = m.reconstruct(x);
      const values = Array.from(t.dataSync());
      t.dispose();
      return values;
    };
    expect(reconstructed(ring)).toEqual(reconstructed(gaussian));
    const difference = tf
      .sub(ring.logImportanceWeights!(x, 8, 2).logWeights, gaussian.logImportanceWeights!(x, 8, 2).logWeights)
      .arraySync() as number[][];
    expect(difference.flat().every((d) => Math.abs(d) > 1e-3)).toBe(true);
    // Its test metrics have no KL per dimension under the ring (the KL to a mixture does not split by dimension).
    const perDimension = async (m: typeof ring) => {
      const metrics = m.testMetrics!()!;
      const reads = new Reads();
      tf.tidy(() => metrics.batch(x, undefined, reads));
      await reads.read();
      return Object.keys(metrics.result(2).metrics).filter((k) => k.startsWith('kl_dim_'));
    };
    expect([await perDimension(ring), await perDimension(gaussian)]).toEqual([[], ['kl_dim_0', 'kl_dim_1']]);
    const kl = (m: typeof ring) => tf.tidy(() => m.computeLoss(x, false).parts['kl']!.dataSync()[0]!);
    expect(kl(ring)).not.toBeCloseTo(kl(gaussian), 2);
    ring.dispose();
    gaussian.dispose();
  });
});

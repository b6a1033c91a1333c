import { beforeAll, describe, expect, it } from 'vitest';
import { computeIwNll, logMeanExp } from '../../analysis/iw-nll';
import { selectBackend } from '../../ml/backend';
import { tf } from '../../ml/tf';
import { defaultRunConfig } from '../run-config';
import { vaeFamily } from './model';
import type { VaeModel } from './spec';

/** A small VAE with a 2-D latent on 4×4 images, untrained: its q(z|x) is far from the posterior, which the estimate must survive. */
function tinyVae(loss: 'bce' | 'mse' | 'mae') {
  const config = defaultRunConfig('vae');
  const model: VaeModel = {
    ...(config.model as VaeModel),
    encoder: [{ type: 'dense', units: 8, activation: 'tanh' }],
    decoder: [{ type: 'dense', units: 8, activation: 'tanh' }],
    latentSize: 2,
  };
  return vaeFamily.build({ model, training: { ...config.training, loss }, inputShape: [4, 4, 1], seed: 3, classes: 0 });
}

/** log p(x|z) as each loss implies it, written out independently of the family's code. */
const logPxGivenZ = {
  bce: (x: number, p: number) => {
    const q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
    return x * Math.log(q) + (1 - x) * Math.log(1 - q);
  },
  mse: (x: number, p: number) => -((x - p) ** 2) / (2 * 0.5) - 0.5 * Math.log(2 * Math.PI * 0.5),
  mae: (x: number, p: number) => -Math.abs(x - p) - Math.log(2),
};

describe('the VAE’s importance weights give log p(x)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each(['bce', 'mse', 'mae'] as const)(
    '%s: the IW estimate with many samples matches numerical integration over the 2-D latent, and is at most −ELBO',
    (loss) => {
      const model = tinyVae(loss);
      const images = 3;
      const x = tf.randomUniform([images, 16], 0, 1, 'float32', 11);
      const xs = x.dataSync() as Float32Array;
      // ∫ p(x|z) p(z) dz on a grid of z in [−6, 6]², through the model's own decoder.
      const steps = 121;
      const h = 12 / (steps - 1);
      const grid = Array.from({ length: steps * steps }, (_, i) => [-6 + h * (i % steps), -6 + h * Math.floor(i / steps)]);
      const decoded = tf.tidy(() => model.decode!(tf.tensor2d(grid.flat(), [grid.length, 2])).dataSync() as Float32Array);
      const exact = Array.from({ length: images }, (_, n) => {
        const terms = grid.map(([a, b], g) => {
          let log = -Math.log(2 * Math.PI) - 0.5 * (a! * a! + b! * b!);
          for (let p = 0; p < 16; p++) log += logPxGivenZ[loss](xs[n * 16 + p]!, decoded[g * 16 + p]!);
          return log;
        });
        return logMeanExp(terms) + Math.log(terms.length * h * h);
      });
      const samples = 4000;
      const { logWeights, likelihood } = model.logImportanceWeights!(x, samples, 5);
      const iw = computeIwNll({ values: logWeights.dataSync(), dim: samples });
      console.log(
        `${loss} (${likelihood}): log p(x) by integration ${exact.map((v) => v.toFixed(3)).join(', ')}; ` +
          `IW (K=${samples}) ${Array.from(iw.logLikelihood, (v) => v.toFixed(3)).join(', ')}; −ELBO ${iw.negativeElbo.toFixed(3)}`,
      );
      for (let n = 0; n < images; n++) expect(Math.abs(iw.logLikelihood[n]! - exact[n]!)).toBeLessThan(0.02);
      expect(iw.nll).toBeLessThanOrEqual(iw.negativeElbo);
      tf.dispose([x, logWeights]);
      model.dispose();
    },
  );

  it.each(['bce', 'mse', 'mae'] as const)(
    '%s: the −ELBO a run records is the one the evaluation and the IWAE bound count, the likelihood’s constant included',
    (loss) => {
      const model = tinyVae(loss);
      const x = tf.randomUniform([3, 16], 0, 1, 'float32', 11);
      // One z per image and call: averaged over many calls, the recorded −ELBO's expectation.
      const draws = 400;
      let recorded = 0;
      for (let i = 0; i < draws; i++) recorded += tf.tidy(() => model.computeLoss(x, false).parts['neg_elbo']!.dataSync()[0]!);
      recorded /= draws;
      const { logWeights } = model.logImportanceWeights!(x, 4000, 5);
      const evaluated = computeIwNll({ values: logWeights.dataSync(), dim: 4000 }).negativeElbo;
      expect(Math.abs(recorded - evaluated)).toBeLessThan(0.1);
      tf.dispose([x, logWeights]);
      model.dispose();
    },
  );

  it('records no −ELBO for smooth L1, and refuses its NLL, naming training.loss', () => {
    const config = defaultRunConfig('vae');
    const model = vaeFamily.build({
      model: { ...(config.model as VaeModel), latentSize: 2 },
      training: { ...config.training, loss: 'smoothL1' },
      inputShape: [4, 4, 1],
      seed: 1,
      classes: 0,
    });
    expect(() => model.logImportanceWeights!(tf.zeros([1, 16]), 2, 1)).toThrow(/training\.loss: smoothL1/);
    expect(Object.keys(tf.tidy(() => model.computeLoss(tf.zeros([1, 16]), false).parts)).sort()).toEqual([
      'kl',
      'reconstruction',
    ]);
    model.dispose();
  });
});

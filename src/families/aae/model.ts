import { createCritic } from '../../ml/critic';
import { mmd } from '../../ml/mmd';
import { deriveSeed } from '../../shared/random';
import { gaussian } from '../../ml/ops';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import type { FamilyModel } from '../family-model';
import { mixtureLogDensity } from '../vae/densities';
import { buildVae, type VaeVariant } from '../vae/model';
import type { AaeModel } from './spec';

/** n samples of the prior: N(0, I), or ten Gaussians (σ 0.5) on a circle of radius 4 in the first two dimensions. */
export function priorSamples(prior: AaeModel['prior'], n: number, k: number, seed: number): Tensor {
  const noise = gaussian([n, k], 0, 1, seed);
  if (prior === 'gaussian' || k < 2) return noise;
  const component = tf.floor(tf.mul(tf.randomUniform([n], 0, 1, 'float32', seed + 1), 10));
  const angle = tf.mul(component, (2 * Math.PI) / 10);
  const centre = tf.stack([tf.mul(4, tf.cos(angle)), tf.mul(4, tf.sin(angle))], 1);
  const firstTwo = tf.add(centre, tf.mul(0.5, tf.slice(noise, [0, 0], [n, 2])));
  return k === 2 ? firstTwo : tf.concat([firstTwo, tf.slice(noise, [0, 2], [n, k - 2])], 1);
}

/**
 * log p(z) of the mixture prior, per row of z [n, k]: the ten components priorSamples draws from, equally weighted,
 * each a diagonal Gaussian (mean (4 cos 2πc/10, 4 sin 2πc/10, 0, …), variances 0.25, 0.25, 1, …). Undefined for
 * N(0, I), whose density the likelihood assumes.
 */
export function priorLogDensity(prior: AaeModel['prior'], k: number): ((z: Tensor) => Tensor) | undefined {
  if (prior === 'gaussian' || k < 2) return undefined;
  const angles = Array.from({ length: 10 }, (_, c) => (2 * Math.PI * c) / 10);
  const means = angles.flatMap((a) => [4 * Math.cos(a), 4 * Math.sin(a), ...new Array<number>(k - 2).fill(0)]);
  const logVars = angles.flatMap(() => [Math.log(0.25), Math.log(0.25), ...new Array<number>(k - 2).fill(0)]);
  return (z) => mixtureLogDensity(z, tf.tensor2d(means, [10, k]), tf.tensor2d(logVars, [10, k]));
}

export const aaeFamily: FamilyModel<AaeModel> = {
  build: (ctx) => {
    const m = ctx.model;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, (vae): VaeVariant => {
      const d = createCritic({
        name: 'discriminator',
        inputs: vae.latentSize,
        hidden: m.discriminator,
        seed: deriveSeed(ctx.seed, 93),
        learningRate: m.discriminatorLearningRate,
        beta1: 0.5,
        beta2: 0.999,
      });
      const logDensity = priorLogDensity(m.prior, vae.latentSize);
      return {
        // KL(q(z|x) ‖ p(z)) to the prior the codes are matched to: closed form for N(0, I), else a one-sample estimate
        // (as the VampPrior's): reported, and in the −ELBO, not trained on (the adversary is the regulariser).
        ...(logDensity
          ? { kl: ({ z, mu, logVar }) => tf.mean<Scalar>(tf.sub(vae.logPosterior(z, mu, logVar), logDensity(z))) }
          : {}),
        // The encoder's side of the game: its codes labelled as prior samples (the non-saturating generator loss).
        regulariser({ z }, training): { total: Scalar; parts: Record<string, Scalar> } {
          const adversarial = tf.losses.sigmoidCrossEntropy<Tensor, Scalar>(tf.onesLike(d.logit(z)), d.logit(z));
          const total = tf.mul<Scalar>(m.lambda, adversarial);
          if (training) return { total, parts: { adversarial } };
          // Against the same prior draws for every test batch, so test figures repeat exactly.
          const n = z.shape[0] ?? 1;
          const distance = mmd(z, priorSamples(m.prior, n, vae.latentSize, deriveSeed(ctx.seed, 1000)), 'imq');
          return { total, parts: { adversarial, mmd: distance } };
        },
        // The discriminator's side: prior samples (1) against the codes (0).
        afterStep(x) {
          const z = vae.sample(x);
          d.train(priorSamples(m.prior, z.shape[0] ?? 1, vae.latentSize, vae.nextSeed()), z);
        },
        // Samples and the prior-samples view draw from the prior the codes are matched to.
        prior: {
          caption: m.prior === 'gaussian' ? 'z ~ N(0, I)' : 'z ~ the mixture prior (ten Gaussians on a circle)',
          sample: (n, seed) => priorSamples(m.prior, n, vae.latentSize, seed),
          ...(logDensity ? { logDensity } : {}),
        },
        weights: () => d.weights(),
        state: () => ({ discriminatorSteps: d.steps }),
        restore(state) {
          d.steps = Number(state['discriminatorSteps'] ?? 0);
        },
        dispose: () => d.dispose(),
      };
    });
  },
};

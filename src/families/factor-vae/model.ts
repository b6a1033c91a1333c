import { createRng, deriveSeed } from '../../shared/random';
import { createCritic } from '../../ml/critic';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import type { FamilyModel } from '../family-model';
import { buildVae, type VaeVariant } from '../vae/model';
import type { FactorVaeModel } from './spec';

/** Each dimension's values shuffled across the batch by its own permutation (Kim & Mnih 2018, algorithm 1). */
function permuteDims(z: Tensor, order: (n: number) => number[]): Tensor {
  const [n, d] = z.shape as [number, number];
  return tf.stack(
    Array.from({ length: d }, (_, j) => tf.gather(tf.squeeze(tf.slice(z, [0, j], [n, 1]), [1]), order(n))),
    1,
  );
}

export const factorVaeFamily: FamilyModel<FactorVaeModel> = {
  build: (ctx) => {
    const m = ctx.model;
    return buildVae({ ...ctx, model: { ...m, beta: 1, klWarmupEpochs: 0 } }, false, (vae): VaeVariant => {
      // Kim & Mnih train it with Adam, β₁ = 0.5, β₂ = 0.9.
      const d = createCritic({
        name: 'discriminator',
        inputs: vae.latentSize,
        hidden: m.discriminator,
        seed: deriveSeed(ctx.seed, 91),
        learningRate: m.discriminatorLearningRate,
        beta1: 0.5,
        beta2: 0.9,
      });
      const shuffles = createRng(deriveSeed(ctx.seed, 92));
      const randomOrder = (n: number) => {
        const idx = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(shuffles() * (i + 1));
          [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
        }
        return idx;
      };
      // On the test split, a fixed derangement per dimension (a roll by d + 1), so test figures repeat exactly.
      let rollDim = 0;
      const rolled = (n: number) => {
        const shift = (rollDim++ % Math.max(1, n - 1)) + 1;
        return Array.from({ length: n }, (_, i) => (i + shift) % n);
      };
      return {
        regulariser({ z, kl }, training): { total: Scalar; parts: Record<string, Scalar> } {
          // TC(z) ≈ E_q(z)[log D(z) / (1 − D(z))]: the mean logit.
          const tc = tf.mean<Scalar>(d.logit(z));
          const total = tf.add<Scalar>(kl, tf.mul(m.gamma, tc));
          if (training) return { total, parts: { tc } };
          rollDim = 0;
          const real = tf.greater(d.logit(z), 0);
          const fake = tf.lessEqual(d.logit(permuteDims(z, rolled)), 0);
          const accuracy = tf.mean<Scalar>(tf.cast(tf.concat([real, fake], 0), 'float32'));
          return { total, parts: { tc, disc_accuracy: accuracy } };
        },
        afterStep(x) {
          const z = vae.sample(x);
          d.train(z, permuteDims(z, randomOrder));
        },
        weights: () => d.weights(),
        state: () => ({ discriminatorSteps: d.steps, shuffles: shuffles.state }),
        restore(state) {
          d.steps = Number(state['discriminatorSteps'] ?? 0);
          if (state['shuffles'] !== undefined) shuffles.state = Number(state['shuffles']);
        },
        dispose: () => d.dispose(),
      };
    });
  },
};

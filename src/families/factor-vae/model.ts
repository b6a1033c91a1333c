import { createRng, deriveSeed } from '../../shared/random';
import { tf, type Scalar, type Tensor, type Variable } from '../../ml/tf';
import type { FamilyModel, Weight } from '../family-model';
import { buildVae, type VaeVariant } from '../vae/model';
import type { FactorVaeModel } from './spec';

const adam = { beta1: 0.5, beta2: 0.9, epsilon: 1e-8 };
/** tfjs registers variables by name process-wide: each build's variables get a suffix, its checkpointed names stay plain. */
let builds = 0;

/** A dense discriminator of codes: leaky ReLU (0.2) hidden layers, one logit out, log D/(1 − D). */
function discriminator(sizes: number[], latent: number, seed: number, build: number) {
  const dims = [latent, ...sizes, 1];
  const layers = dims.slice(1).map((out, i) => {
    const fanIn = dims[i] as number;
    const limit = Math.sqrt(6 / (fanIn + out));
    return {
      kernel: tf.variable(
        tf.randomUniform([fanIn, out], -limit, limit, 'float32', deriveSeed(seed, i)),
        true,
        `discriminator/dense_${i}/kernel#${build}`,
      ),
      bias: tf.variable(tf.zeros([out]), true, `discriminator/dense_${i}/bias#${build}`),
    };
  });
  const logit = (z: Tensor): Tensor =>
    layers.reduce<Tensor>((h, l, i) => {
      const y = tf.add(tf.matMul(h, l.kernel), l.bias);
      return i < layers.length - 1 ? tf.leakyRelu(y, 0.2) : y;
    }, z);
  return { layers, vars: layers.flatMap((l) => [l.kernel, l.bias]), logit };
}

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
      const build = ++builds;
      const d = discriminator(m.discriminator, vae.latentSize, deriveSeed(ctx.seed, 91), build);
      const plain = (v: Variable) => v.name.replace(/#\d+$/, '');
      // The discriminator's Adam moments are weights (checkpointed by name), its step count state: an exact resume.
      const moments = d.vars.map((v) => ({
        m: tf.variable(tf.zerosLike(v), false, `${plain(v)}/adam_m#${build}`),
        v: tf.variable(tf.zerosLike(v), false, `${plain(v)}/adam_v#${build}`),
      }));
      let t = 0;
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
      const asWeight = (v: Variable): Weight => ({ name: plain(v), shape: v.shape, read: () => v });
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
          const zPerm = permuteDims(z, randomOrder);
          const { grads } = tf.variableGrads(() => {
            const onReal = tf.losses.sigmoidCrossEntropy(tf.onesLike(d.logit(z)), d.logit(z));
            const onPerm = tf.losses.sigmoidCrossEntropy(tf.zerosLike(d.logit(zPerm)), d.logit(zPerm));
            return tf.mul<Scalar>(0.5, tf.add(onReal, onPerm));
          }, d.vars);
          t += 1;
          const rate = (m.discriminatorLearningRate * Math.sqrt(1 - adam.beta2 ** t)) / (1 - adam.beta1 ** t);
          d.vars.forEach((v, i) => {
            const g = grads[v.name];
            const mo = moments[i];
            if (!g || !mo) return;
            mo.m.assign(tf.add(tf.mul(adam.beta1, mo.m), tf.mul(1 - adam.beta1, g)));
            mo.v.assign(tf.add(tf.mul(adam.beta2, mo.v), tf.mul(1 - adam.beta2, tf.square(g))));
            v.assign(tf.sub(v, tf.mul(rate, tf.div(mo.m, tf.add(tf.sqrt(mo.v), adam.epsilon)))));
          });
        },
        weights: () => [...d.vars.map(asWeight), ...moments.flatMap((mo) => [asWeight(mo.m), asWeight(mo.v)])],
        state: () => ({ discriminatorSteps: t, shuffles: shuffles.state }),
        restore(state) {
          t = Number(state['discriminatorSteps'] ?? 0);
          if (state['shuffles'] !== undefined) shuffles.state = Number(state['shuffles']);
        },
        dispose() {
          tf.dispose([...d.vars, ...moments.flatMap((mo) => [mo.m, mo.v])]);
        },
      };
    });
  },
};

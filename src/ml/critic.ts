/**
 * A critic of codes for the adversarial families (FactorVAE's discriminator, the AAE's): a dense network with leaky
 * ReLU (0.2) hidden layers and one logit out, trained in the same step as the model by its own Adam. Its moments are
 * variables (checkpointed by name, as weights) and its step count is state: a resumed run continues exactly.
 */
import { deriveSeed } from '../shared/random';
import { variableFrom } from './ops';
import { tf, type Scalar, type Tensor, type Variable } from './tf';

/** tfjs registers variables by name process-wide: each critic's variables get a suffix, the names it reports stay plain. */
let critics = 0;

export interface Critic {
  /** The logit of "from the first distribution" for each row. */
  logit(z: Tensor): Tensor;
  /** One Adam step on the binary cross-entropy of `positive` rows (label 1) against `negative` rows (label 0). */
  train(positive: Tensor, negative: Tensor): void;
  /** Its variables and their Adam moments, with their plain names (e.g. `discriminator/dense_0/kernel/adam_m`). */
  weights(): { name: string; shape: number[]; read: () => Variable }[];
  steps: number;
  dispose(): void;
}

export function createCritic(o: {
  name: string;
  inputs: number;
  hidden: readonly number[];
  seed: number;
  learningRate: number;
  beta1: number;
  beta2: number;
}): Critic {
  const id = ++critics;
  const dims = [o.inputs, ...o.hidden, 1];
  const variable = (value: Tensor, trainable: boolean, name: string) => variableFrom(value, trainable, `${name}#${id}`);
  const layers = dims.slice(1).map((out, i) => {
    const fanIn = dims[i] as number;
    const limit = Math.sqrt(6 / (fanIn + out));
    return {
      kernel: variable(
        tf.randomUniform([fanIn, out], -limit, limit, 'float32', deriveSeed(o.seed, i)),
        true,
        `${o.name}/dense_${i}/kernel`,
      ),
      bias: variable(tf.zeros([out]), true, `${o.name}/dense_${i}/bias`),
    };
  });
  const vars = layers.flatMap((l) => [l.kernel, l.bias]);
  const plain = (v: Variable) => v.name.replace(/#\d+$/, '');
  const moments = vars.map((v) => ({
    m: variable(tf.zerosLike(v), false, `${plain(v)}/adam_m`),
    v: variable(tf.zerosLike(v), false, `${plain(v)}/adam_v`),
  }));
  const logit = (z: Tensor): Tensor =>
    layers.reduce<Tensor>((h, l, i) => {
      const y = tf.add(tf.matMul(h, l.kernel), l.bias);
      return i < layers.length - 1 ? tf.leakyRelu(y, 0.2) : y;
    }, z);
  const critic: Critic = {
    logit,
    steps: 0,
    train(positive, negative) {
      const { grads } = tf.variableGrads(() => {
        const onPositive = tf.losses.sigmoidCrossEntropy(tf.onesLike(logit(positive)), logit(positive));
        const onNegative = tf.losses.sigmoidCrossEntropy(tf.zerosLike(logit(negative)), logit(negative));
        return tf.mul<Scalar>(0.5, tf.add(onPositive, onNegative));
      }, vars);
      critic.steps += 1;
      // Adam (Kingma & Ba 2015) with its bias corrections folded into the rate, as tfjs's AdamOptimizer does.
      const t = critic.steps;
      const rate = (o.learningRate * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
      vars.forEach((v, i) => {
        const g = grads[v.name];
        const mo = moments[i];
        if (!g || !mo) return;
        mo.m.assign(tf.add(tf.mul(o.beta1, mo.m), tf.mul(1 - o.beta1, g)));
        mo.v.assign(tf.add(tf.mul(o.beta2, mo.v), tf.mul(1 - o.beta2, tf.square(g))));
        v.assign(tf.sub(v, tf.mul(rate, tf.div(mo.m, tf.add(tf.sqrt(mo.v), 1e-8)))));
      });
    },
    weights: () =>
      [...vars, ...moments.flatMap((mo) => [mo.m, mo.v])].map((v) => ({ name: plain(v), shape: v.shape, read: () => v })),
    dispose: () => tf.dispose([...vars, ...moments.flatMap((mo) => [mo.m, mo.v])]),
  };
  return critic;
}

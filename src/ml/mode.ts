/**
 * Training mode, as Keras' learning phase and PyTorch's `module.train()`: the layers that behave differently in
 * training (dropout, batch norm) follow it. The trainer runs each step inside `inTraining(step, …)`; everything
 * else (test metrics, evaluations, the explorer, sampling, export) runs in inference mode, the default.
 *
 * tfjs passes `{ training }` only through `model.fit`: a `LayersModel.apply(x, { training: true })` does not reach
 * the layers inside it (each node keeps the kwargs of its graph's construction), which is why the studio's models
 * had neither layer train. So the two layers read the mode from here instead of from their call's kwargs.
 */
import { deriveSeed } from '../shared/random';
import { tf, type Tensor } from './tf';

let step: number | null = null;
/** How many times each dropout layer has dropped in this step: a second pass (an AAE's or FactorVAE's second use of its encoder) draws a mask of its own, as torch's would. */
const passes = new Map<object, number>();

/** Runs `fn` (one training step's forward and backward pass) in training mode; `trainingStep` counts from 1. */
export function inTraining<T>(trainingStep: number, fn: () => T): T {
  const outer = step;
  step = trainingStep;
  passes.clear();
  try {
    return fn();
  } finally {
    step = outer;
    passes.clear();
  }
}

export const isTraining = (): boolean => step !== null;

let evaluated: number | null = null;

/**
 * Runs `fn` (a batch of an evaluation) over a split of `count` images: an estimator that needs the size of the set its
 * batch is drawn from (β-TC-VAE's, whose weights are 1/N) reads it with `splitSize()` instead of the training set's.
 */
export function overSplit<T>(count: number, fn: () => T): T {
  const outer = evaluated;
  evaluated = count;
  try {
    return fn();
  } finally {
    evaluated = outer;
  }
}

/** The size of the split being evaluated (see overSplit); null in training and elsewhere. */
export const splitSize = (): number | null => evaluated;

/**
 * Runs `fn` in inference mode, also inside a training step: a network the step does not train (a target network,
 * as DEC's) uses batch norm's moving statistics, moves none of them, and drops nothing.
 */
export function inInference<T>(fn: () => T): T {
  const outer = step;
  step = null;
  try {
    return fn();
  } finally {
    step = outer;
  }
}

type Inputs = Tensor | Tensor[];
interface CallableLayer {
  call(inputs: Inputs, kwargs: Record<string, unknown>): Inputs;
}
const one = (inputs: Inputs): Tensor => (Array.isArray(inputs) ? (inputs[0] as Tensor) : inputs);

/**
 * Inverted dropout (Srivastava et al. 2014) that follows the mode. Its mask in training comes from the run's
 * counter-based seeds, `deriveSeed(seed, step)` (and the pass within the step): a fresh mask every pass, the same
 * masks for the same seed, and so a resumed run draws what the uninterrupted one drew. The layer stays tfjs' own `Dropout` (an identity in
 * inference), so an exported model loads anywhere.
 */
export function followModeDropout<L extends object>(layer: L, rate: number, seed: number): L {
  const inference = (layer as unknown as CallableLayer).call.bind(layer);
  (layer as unknown as CallableLayer).call = (inputs, kwargs) => {
    if (step === null || rate === 0) return inference(inputs, kwargs);
    const x = one(inputs);
    // The step's first pass draws what it always drew; a later one in the same step, a mask of its own.
    const pass = passes.get(layer) ?? 0;
    passes.set(layer, pass + 1);
    const stepSeed = deriveSeed(seed, step);
    return tf.tidy(() => tf.dropout(x, rate, undefined, pass === 0 ? stepSeed : deriveSeed(stepSeed, pass)));
  };
  return layer;
}

interface LayerVariable {
  read(): Tensor;
  write(value: Tensor): void;
}
interface BatchNormInternals {
  gamma: LayerVariable | null;
  beta: LayerVariable | null;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  momentum: number;
  epsilon: number;
}

/**
 * Batch normalization (Ioffe & Szegedy 2015) that follows the mode. In training it normalizes with the batch's
 * mean and (biased) variance and moves the moving statistics toward the batch's mean and unbiased variance,
 * `moving = momentum · moving + (1 − momentum) · batch`, as Keras and PyTorch do (PyTorch's `momentum` is 1 − this
 * one; tfjs' own layer would move the variance toward the biased one). In inference it uses the moving statistics,
 * which live in the layer's weights, and so in checkpoints and exported models.
 */
export function followModeBatchNorm<L extends object>(layer: L): L {
  const inference = (layer as unknown as CallableLayer).call.bind(layer);
  (layer as unknown as CallableLayer).call = (inputs, kwargs) => {
    const x = one(inputs);
    // A batch of one value per channel (a last batch of one image, dense) has no variance: it would put out β alone
    // and pull the moving variance to 0 (torch refuses it). It passes as in inference, and moves nothing.
    const perChannel = x.shape.slice(0, -1).reduce<number>((n, d) => n * (d ?? 1), 1);
    if (step === null) return inference(inputs, kwargs);
    const bn = layer as unknown as BatchNormInternals;
    // Without scale or shift (affine=False) the identity ones: tfjs's batch-norm gradient keeps its scale and offset
    // inputs, and an absent one breaks its backward pass (tfjs's own inference passes none, so it is not used here).
    const shift = (mean: Tensor) => [bn.beta?.read() ?? tf.zerosLike(mean), bn.gamma?.read() ?? tf.onesLike(mean)] as const;
    if (perChannel < 2)
      return tf.tidy(() => {
        const [mean, variance] = [bn.movingMean.read(), bn.movingVariance.read()];
        return tf.batchNorm(x, mean, variance, ...shift(mean), bn.epsilon);
      });
    return tf.tidy(() => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      const count = axes.reduce((n, a) => n * (x.shape[a] as number), 1);
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      const move = (v: LayerVariable, batch: Tensor) =>
        v.write(tf.add(tf.mul(v.read(), bn.momentum), tf.mul(batch, 1 - bn.momentum)));
      move(bn.movingMean, mean);
      move(bn.movingVariance, unbiased);
      return tf.batchNorm(x, mean, variance, ...shift(mean), bn.epsilon);
    });
  };
  return layer;
}

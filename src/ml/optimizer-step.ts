/**
 * One optimizer step with the options torch.optim users expect: the rate a schedule sets for it, gradients clipped
 * by their global norm (torch.nn.utils.clip_grad_norm_) and decoupled weight decay (Loshchilov & Hutter 2019,
 * torch.optim.AdamW: each weight is first multiplied by 1 − rate × decay, then the optimizer's update applies the
 * gradient taken before the decay). src/ml/training-step.test.ts compares them with PyTorch.
 */
import type { NamedTensorMap } from '@tensorflow/tfjs-core';
import { Adam } from './adam';
import { tf, type Scalar, type Tensor, type Variable } from './tf';

export type Optimizer = Adam | ReturnType<typeof tf.train.sgd> | ReturnType<typeof tf.train.rmsprop>;

export interface StepOptions {
  /** The rate of this step (the optimizer's own when absent). */
  learningRate?: number;
  clipNorm?: number;
  weightDecay?: number;
  /**
   * Which variables decay: all (torch.optim.AdamW over model.parameters()), or only those of two or more dimensions
   * (kernels, embeddings, codebooks), leaving biases and batch norm's scale and shift undecayed, as timm's
   * param_groups_weight_decay does.
   */
  weightDecayOn?: 'all' | 'matrices';
}

/** Whether a variable decays under `on`: timm's rule, no decay for a parameter of fewer than two dimensions. */
export const decays = (v: Variable, on: StepOptions['weightDecayOn']): boolean => on !== 'matrices' || v.shape.length >= 2;

/**
 * Whether it is the studio's Adam. Not `instanceof`: tfjs gives its Optimizer a Symbol.hasInstance that answers true
 * for any optimizer, and Adam inherits it, so `sgd instanceof Adam` held and SGD's rate and decay went to Adam's path.
 */
const isAdam = (optimizer: Optimizer): optimizer is Adam => Function.prototype[Symbol.hasInstance].call(Adam, optimizer);

/** Sets the rate the optimizer's next update uses. */
export function setLearningRate(optimizer: Optimizer, rate: number): void {
  if (isAdam(optimizer)) optimizer.learningRate = rate;
  else if ('setLearningRate' in optimizer) optimizer.setLearningRate(rate);
  // RMSProp reads its rate field at every update; tfjs declares it protected.
  else (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

/** The rate the optimizer's next update uses. */
export const learningRateOf = (optimizer: Optimizer): number => (optimizer as unknown as { learningRate: number }).learningRate;

/** The global L2 norm of a set of gradients, as one scalar. */
export const globalNorm = (grads: NamedTensorMap): Scalar =>
  tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as Scalar;

/**
 * Computes the loss's gradients over `vars` and updates them; returns the loss, and the gradients' global norm
 * before clipping when clipping is on. Call inside tf.tidy. Without clipping or decay this is `optimizer.minimize`,
 * but for the variables the step gives no gradient (a layer frozen for now, a part the loss does not use in this
 * phase): each keeps its place in the update, as null, so that tfjs's RMSProp, which keeps its slots by position,
 * keeps each variable's; and, as torch.optim skips a parameter whose grad is None, none is clipped or decayed.
 */
export function optimizerStep(
  optimizer: Optimizer,
  loss: () => Scalar,
  vars: Variable[],
  options: StepOptions = {},
): { loss: Scalar; gradNorm?: Scalar } {
  if (options.learningRate !== undefined) setLearningRate(optimizer, options.learningRate);
  const { clipNorm, weightDecay } = options;
  const { value, grads: found } = tf.variableGrads(loss, vars);
  const grads: NamedTensorMap = {};
  for (const v of vars) if (found[v.name]) grads[v.name] = found[v.name] as Tensor;
  const live = vars.filter((v) => grads[v.name]);
  let gradNorm: Scalar | undefined;
  if (clipNorm) {
    // clip_grad_norm_: coef = max_norm / (norm + 1e-6), applied only when below 1.
    gradNorm = globalNorm(grads);
    const coef = tf.minimum(tf.div(clipNorm, tf.add(gradNorm, 1e-6)), 1);
    for (const v of live) grads[v.name] = tf.mul(grads[v.name] as Tensor, coef);
  }
  const keep = weightDecay ? 1 - learningRateOf(optimizer) * weightDecay : 1;
  const kept = new Set(vars.filter((v) => !decays(v, options.weightDecayOn)).map((v) => v.name));
  const update = Object.fromEntries(vars.map((v) => [v.name, grads[v.name] ?? null])) as NamedTensorMap;
  // AdamW: the studio's Adam decays each variable in its own update's kernel (one pass, not two more dispatches).
  if (isAdam(optimizer)) optimizer.applyGradients(update, kept.size ? (name) => (kept.has(name) ? 1 : keep) : keep);
  else {
    if (keep !== 1) for (const v of live) if (!kept.has(v.name)) v.assign(tf.mul(v, keep));
    optimizer.applyGradients(update);
  }
  return { loss: value, ...(gradNorm ? { gradNorm } : {}) };
}

/**
 * The optimizer's state as arrays, by name. tfjs makes its step count a fresh scalar at each getWeights
 * (saveIterations), which is freed here (a tensor per checkpoint, a GPU buffer on webgpu); the other entries are the
 * optimizer's own variables.
 */
export async function optimizerState(optimizer: Optimizer): Promise<{ name: string; shape: number[]; values: Float32Array }[]> {
  const saved = await optimizer.getWeights();
  try {
    return await Promise.all(
      saved.map(async (w) => ({ name: w.name, shape: w.tensor.shape, values: Float32Array.from(await w.tensor.data()) })),
    );
  } finally {
    tf.dispose(saved.filter((w) => w.name === 'iter').map((w) => w.tensor));
  }
}

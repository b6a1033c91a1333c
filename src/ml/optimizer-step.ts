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
}

/** Sets the rate the optimizer's next update uses. */
export function setLearningRate(optimizer: Optimizer, rate: number): void {
  if (optimizer instanceof Adam) optimizer.learningRate = rate;
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
  const update = Object.fromEntries(vars.map((v) => [v.name, grads[v.name] ?? null])) as NamedTensorMap;
  // AdamW: the studio's Adam decays each variable in its own update's kernel (one pass, not two more dispatches).
  if (optimizer instanceof Adam) optimizer.applyGradients(update, keep);
  else {
    if (keep !== 1) for (const v of live) v.assign(tf.mul(v, keep));
    optimizer.applyGradients(update);
  }
  return { loss: value, ...(gradNorm ? { gradNorm } : {}) };
}

import type { TrainingConfig } from '../shared/config';
import { fusedBce, fusedBceFromLogits } from './kernels/fused-losses';
import { logitsOf } from './sigmoid-output';
import { tf, type Scalar, type Tensor } from './tf';

const eps = 1e-7;

export type ElementLoss = (x: Tensor, xHat: Tensor) => Tensor;

/**
 * Reconstruction losses per element (lab slides, seed 001):
 * MSE (x - x̂)²; MAE |x - x̂|; Smooth L1 (x - x̂)²/(2β) where |x - x̂| ≤ β, else |x - x̂| - β/2;
 * BCE -[x log x̂ + (1-x) log(1-x̂)]: from the logits z where a sigmoid head made x̂ = σ(z) (src/ml/sigmoid-output.ts),
 * as max(z, 0) − x·z + log(1 + e^−|z|), the same value without the clip; else from x̂ clipped away from 0 and 1.
 */
export const elementLosses = {
  mse: () => (x, xHat) => tf.squaredDifference(x, xHat),
  mae: () => (x, xHat) => tf.abs(tf.sub(x, xHat)),
  // As q²/(2β) + (d − q) with q = min(d, β): the same values, with a gradient (tfjs has none through a comparison,
  // so `where(d ≤ β, …)` could not train), d/β inside, 1 outside (PyTorch's SmoothL1Loss).
  smoothL1: (beta) => (x, xHat) => {
    const d = tf.abs(tf.sub(x, xHat));
    const q = tf.minimum(d, beta);
    return tf.add(tf.div(tf.square(q), 2 * beta), tf.sub(d, q));
  },
  bce: () => (x, xHat) => {
    const logits = logitsOf(xHat);
    if (logits) return bceFromLogits(x, logits);
    // One dispatch each way on webgpu (src/ml/kernels/fused-losses.ts); tfjs's ops elsewhere.
    const fused = fusedBce(x, xHat, eps);
    if (fused) return fused;
    const p = tf.clipByValue(xHat, eps, 1 - eps);
    return tf.neg(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))));
  },
} satisfies Record<TrainingConfig['loss'], (beta: number) => ElementLoss>;

/**
 * BCE per element from the logits z against x (a constant): max(z, 0) − x·z + log(1 + e^−|z|), stable for every z,
 * with the gradient σ(z) − x given outright (tfjs's ops would give −x at z = 0, where relu and |z| have kinks).
 * One dispatch each way on webgpu.
 */
export function bceFromLogits(x: Tensor, logits: Tensor): Tensor {
  const fused = fusedBceFromLogits(x, logits);
  if (fused) return fused;
  return tf.customGrad<Tensor>((...args: unknown[]) => {
    const z = args[0] as Tensor;
    (args[1] as (saved: Tensor[]) => void)([z, x]);
    return {
      value: tf.add(tf.sub(tf.relu(z), tf.mul(x, z)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))),
      gradFunc: (dy: Tensor, [zs, target]: Tensor[]) => tf.mul(dy, tf.sub(tf.sigmoid(zs as Tensor), target as Tensor)),
    };
  })(logits);
}

export function elementLoss(training: Pick<TrainingConfig, 'loss' | 'smoothL1Beta'>): ElementLoss {
  return elementLosses[training.loss](training.smoothL1Beta ?? 1);
}

/** Mean over pixels and batch: what the plain autoencoders minimise and report "per pixel". */
export function meanReconstructionLoss(
  training: Pick<TrainingConfig, 'loss' | 'smoothL1Beta'>,
): (x: Tensor, xHat: Tensor) => Scalar {
  const f = elementLoss(training);
  return (x, xHat) => tf.mean(f(x, xHat));
}

/** Sum over pixels, mean over the batch: the negative log-likelihood per image (nats for BCE), as the VAE's ELBO needs. */
export function summedReconstructionLoss(
  training: Pick<TrainingConfig, 'loss' | 'smoothL1Beta'>,
): (x: Tensor, xHat: Tensor) => Scalar {
  const f = elementLoss(training);
  return (x, xHat) => tf.mean(tf.sum(f(x, xHat), -1));
}

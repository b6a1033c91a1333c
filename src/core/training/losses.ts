import type { TrainingConfig } from '../../shared/config';
import { tf, type Scalar, type Tensor } from './tf';

const eps = 1e-7;

/**
 * Reconstruction losses, averaged over pixels and batch (lab slides, seed 001):
 * MSE = mean (x - x̂)²; BCE = -mean [x log x̂ + (1-x) log(1-x̂)], x̂ clipped away from 0 and 1.
 */
export const reconstructionLosses = {
  mse: (x: Tensor, xHat: Tensor): Scalar => tf.mean(tf.squaredDifference(x, xHat)),
  bce: (x: Tensor, xHat: Tensor): Scalar => {
    const p = tf.clipByValue(xHat, eps, 1 - eps);
    return tf.neg(tf.mean(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))))) as Scalar;
  },
} satisfies Record<TrainingConfig['loss'], (x: Tensor, xHat: Tensor) => Scalar>;

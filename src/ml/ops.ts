import { tf, type Tensor } from './tf';

/** Identity forward, zero gradient: tfjs has no stop_gradient op. */
export const stopGradient: (x: Tensor) => Tensor = tf.customGrad<Tensor>((...inputs: unknown[]) => ({
  value: tf.clone(inputs[0] as Tensor),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
}));

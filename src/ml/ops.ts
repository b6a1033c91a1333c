import { tf, type Tensor } from './tf';

/**
 * A variable name nobody has registered yet (tfjs registers variables by name, process-wide), the same in every
 * worker: models are built in the same order.
 */
export function freshVariableName(base: string): string {
  const taken = tf.engine().registeredVariables;
  let name = base;
  for (let i = 1; taken[name] !== undefined; i++) name = `${base}_${i}`;
  return name;
}

/** Identity forward, zero gradient: tfjs has no stop_gradient op. */
export const stopGradient: (x: Tensor) => Tensor = tf.customGrad<Tensor>((...inputs: unknown[]) => ({
  value: tf.clone(inputs[0] as Tensor),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
}));

import { tf, type Tensor, type Variable } from './tf';

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

/**
 * A variable holding `initial`'s values, which are then freed as a tensor (the variable keeps its own reference to
 * them): left, they held a copy of the starting values for the life of the process once the variable moved on.
 */
export function variableFrom(initial: Tensor, trainable: boolean, name: string): Variable {
  const variable = tf.variable(initial, trainable, name);
  initial.dispose();
  return variable;
}

/**
 * Gaussian noise from a seed, as tf.randomNormal, except that seed 0 is a seed: tfjs's generator takes a falsy seed
 * for none (`seed ? seed : Math.random()`), so draws with seed 0 (a sample request's default) differed each time.
 * It seeds its generator with the seed's text: 0 becomes "0.5", which no whole seed writes.
 */
export function gaussian(shape: number[], mean: number, stdDev: number, seed: number): Tensor {
  // eslint-disable-next-line no-restricted-syntax -- the one place that calls it, with the seed mended
  return tf.randomNormal(shape, mean, stdDev, 'float32', seed === 0 ? 0.5 : seed);
}

/** Identity forward, zero gradient: tfjs has no stop_gradient op. */
export const stopGradient: (x: Tensor) => Tensor = tf.customGrad<Tensor>((...inputs: unknown[]) => ({
  value: tf.clone(inputs[0] as Tensor),
  gradFunc: (dy: Tensor) => tf.zerosLike(dy),
}));

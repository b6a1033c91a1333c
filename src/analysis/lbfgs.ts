/**
 * Limited-memory BFGS (Liu & Nocedal 1989; Nocedal & Wright, Numerical Optimization, alg. 7.4 and 7.5)
 * for the smooth convex objectives of the metrics (softmax regression). Small on purpose: two-loop
 * recursion, a backtracking line search with the Armijo condition, and pairs that break curvature dropped.
 */

/** Returns f(x) and writes ∇f(x) into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export const lbfgsDefaults = {
  maxIterations: 100,
  /** Stop when max |∂f/∂x_i| falls below this (scipy's pgtol, sklearn's tol for lbfgs). */
  gradientTolerance: 1e-4,
  /** Stop when the objective changes by less than this relative amount between iterations. */
  relativeTolerance: 1e-12,
  memory: 10,
};
export type LbfgsOptions = typeof lbfgsDefaults;

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

export function minimiseLbfgs(objective: Objective, start: Float64Array, options: Partial<LbfgsOptions> = {}): LbfgsResult {
  const settings = { ...lbfgsDefaults, ...options };
  const size = start.length;
  let x = Float64Array.from(start);
  let gradient = new Float64Array(size);
  let value = objective(x, gradient);
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const direction = new Float64Array(size);
  const alpha = new Float64Array(settings.memory);
  let iterations = 0;
  while (iterations < settings.maxIterations) {
    if (maxAbs(gradient) <= settings.gradientTolerance) return { x, value, iterations, converged: true };
    // Two-loop recursion: direction = −H∇f.
    for (let i = 0; i < size; i++) direction[i] = -gradient[i]!;
    for (let m = sHistory.length - 1; m >= 0; m--) {
      alpha[m] = rhoHistory[m]! * dot(sHistory[m]!, direction);
      const y = yHistory[m]!;
      for (let i = 0; i < size; i++) direction[i]! -= alpha[m]! * y[i]!;
    }
    const last = sHistory.length - 1;
    const gamma =
      last >= 0
        ? dot(sHistory[last]!, yHistory[last]!) / dot(yHistory[last]!, yHistory[last]!)
        : 1 / Math.max(1, Math.sqrt(dot(gradient, gradient)));
    for (let i = 0; i < size; i++) direction[i]! *= gamma;
    for (let m = 0; m < sHistory.length; m++) {
      const beta = rhoHistory[m]! * dot(yHistory[m]!, direction);
      const s = sHistory[m]!;
      for (let i = 0; i < size; i++) direction[i]! += (alpha[m]! - beta) * s[i]!;
    }
    let slope = dot(gradient, direction);
    if (slope >= 0) {
      // Not a descent direction (lost curvature): restart from steepest descent.
      sHistory.length = yHistory.length = rhoHistory.length = 0;
      for (let i = 0; i < size; i++) direction[i] = -gradient[i]! / Math.max(1, Math.sqrt(dot(gradient, gradient)));
      slope = dot(gradient, direction);
    }
    // Backtracking line search (Armijo, c1 = 1e-4).
    let step = 1;
    const next = new Float64Array(size);
    const nextGradient = new Float64Array(size);
    let nextValue = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < size; i++) next[i] = x[i]! + step * direction[i]!;
      nextValue = objective(next, nextGradient);
      if (Number.isFinite(nextValue) && nextValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    iterations++;
    if (!(nextValue <= value)) return { x, value, iterations, converged: false };
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = next[i]! - x[i]!;
      y[i] = nextGradient[i]! - gradient[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      if (sHistory.length === settings.memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / sy);
    }
    const change = Math.abs(value - nextValue);
    x = next;
    gradient = nextGradient;
    const previous = value;
    value = nextValue;
    if (change <= settings.relativeTolerance * Math.max(Math.abs(previous), Math.abs(value), 1)) {
      return { x, value, iterations, converged: true };
    }
  }
  return { x, value, iterations, converged: maxAbs(gradient) <= settings.gradientTolerance };
}

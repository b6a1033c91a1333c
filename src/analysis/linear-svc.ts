import { uniqueInverse } from './information';

/**
 * sklearn.svm.LinearSVC on a single feature, as SAP uses it: L2-regularised squared hinge, one-vs-rest,
 * the intercept learnt as a weight on a constant feature 1 (liblinear's bias, regularised too).
 * For class k against the rest liblinear minimises
 *   ½(w² + b²) + Σ_i C_i max(0, 1 − y_i (w x_i + b))²,   C_i = C·weight_k for class k, C for the rest
 * (linear.cpp train(): weighted_C[k] for positives, param->C for negatives; with two classes each class has its own weighted C).
 * liblinear reaches it by dual coordinate descent stopped at tol = 1e-4; here the same strictly convex primal is solved by
 * Newton's method to convergence, so predictions can differ from liblinear's only at points within its tolerance of a boundary.
 */
export const linearSvcDefaults = {
  /** sklearn's C. */
  c: 1,
  /** "balanced": class weight n / (classes × count), sklearn's compute_class_weight. */
  balanced: false,
};
export type LinearSvcOptions = typeof linearSvcDefaults;

export interface LinearSvcModel {
  classes: number[];
  /** (w, b) of each one-vs-rest unit; a single unit for two classes, positive = classes[1]. */
  units: { w: number; b: number }[];
}

/** Minimises ½(w² + b²) + Σ c_i max(0, 1 − y_i(w x_i + b))² by Newton steps with backtracking. */
function solveUnit(x: ArrayLike<number>, y: Int8Array, cost: Float64Array): { w: number; b: number } {
  let w = 0;
  let b = 0;
  const objective = (wt: number, bt: number): number => {
    let f = 0.5 * (wt * wt + bt * bt);
    for (let i = 0; i < x.length; i++) {
      const margin = 1 - y[i]! * (wt * x[i]! + bt);
      if (margin > 0) f += cost[i]! * margin * margin;
    }
    return f;
  };
  let value = objective(w, b);
  for (let iteration = 0; iteration < 100; iteration++) {
    let gw = w;
    let gb = b;
    let hww = 1;
    let hwb = 0;
    let hbb = 1;
    for (let i = 0; i < x.length; i++) {
      const xi = x[i]!;
      const margin = 1 - y[i]! * (w * xi + b);
      if (margin <= 0) continue;
      const c = cost[i]!;
      gw -= 2 * c * y[i]! * margin * xi;
      gb -= 2 * c * y[i]! * margin;
      hww += 2 * c * xi * xi;
      hwb += 2 * c * xi;
      hbb += 2 * c;
    }
    if (Math.max(Math.abs(gw), Math.abs(gb)) < 1e-10 * Math.max(1, value)) break;
    const det = hww * hbb - hwb * hwb;
    const dw = -(hbb * gw - hwb * gb) / det;
    const db = -(hww * gb - hwb * gw) / det;
    let step = 1;
    let next = objective(w + dw, b + db);
    while (next > value + 1e-4 * step * (gw * dw + gb * db) && step > 1e-12) {
      step /= 2;
      next = objective(w + step * dw, b + step * db);
    }
    w += step * dw;
    b += step * db;
    const change = value - next;
    value = next;
    if (change <= 1e-15 * Math.max(1, value)) break;
  }
  return { w, b };
}

export function fitLinearSvc(
  x: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: Partial<LinearSvcOptions> = {},
): LinearSvcModel {
  const settings = { ...linearSvcDefaults, ...options };
  const { values: classes, inverse } = uniqueInverse(labels);
  const k = classes.length;
  const counts = new Float64Array(k);
  for (const c of inverse) counts[c]!++;
  const weight = (c: number) => (settings.balanced ? labels.length / (k * counts[c]!) : 1);
  if (k < 2) return { classes, units: [] };
  const y = new Int8Array(labels.length);
  const cost = new Float64Array(labels.length);
  const positives = k === 2 ? [1] : classes.map((_, c) => c);
  const units = positives.map((positive) => {
    for (let i = 0; i < labels.length; i++) {
      const own = inverse[i]!;
      y[i] = own === positive ? 1 : -1;
      cost[i] = settings.c * (k === 2 || own === positive ? weight(own) : 1);
    }
    return solveUnit(x, y, cost);
  });
  return { classes, units };
}

export function predictLinearSvc(model: LinearSvcModel, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  const { classes, units } = model;
  for (let i = 0; i < x.length; i++) {
    if (units.length === 0) {
      out[i] = classes[0] ?? 0;
    } else if (classes.length === 2) {
      out[i] = units[0]!.w * x[i]! + units[0]!.b > 0 ? classes[1]! : classes[0]!;
    } else {
      let best = 0;
      let bestScore = -Infinity;
      units.forEach((unit, c) => {
        const score = unit.w * x[i]! + unit.b;
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      });
      out[i] = classes[best]!;
    }
  }
  return out;
}

import { uniqueInverse } from './information';
import { minimiseLbfgs } from './lbfgs';
import { type Matrix, rowCount } from './matrix';

/**
 * Multinomial logistic regression, the linear probe of the metrics. It minimises the objective of
 * sklearn.linear_model.LogisticRegression(penalty="l2", solver="lbfgs"), rescaled by 1/n as sklearn ≥ 1.1 does:
 *   (1/n) Σ_i −log softmax(W x_i + b)_{y_i} + ||W||² / (2 C n),   intercept b not penalised,
 * with two classes as one logistic unit (sklearn's binary case), by L-BFGS from zero.
 */
export const softmaxRegressionDefaults = {
  /** Inverse L2 strength, sklearn's C. */
  inverseRegularisation: 1,
  maxIterations: 100,
  gradientTolerance: 1e-4,
  /** Standardise each feature by the training mean and standard deviation (sklearn's StandardScaler) first. */
  standardise: false,
};
export type SoftmaxRegressionOptions = typeof softmaxRegressionDefaults;

export interface SoftmaxRegressionModel {
  classes: number[];
  dim: number;
  /** Weights [dim, classes] then biases [classes]. */
  parameters: Float64Array;
  means: Float64Array;
  scales: Float64Array;
  iterations: number;
  converged: boolean;
}

function standardisation(x: Matrix, n: number, enabled: boolean): { means: Float64Array; scales: Float64Array } {
  const d = x.dim;
  const means = new Float64Array(d);
  const scales = new Float64Array(d).fill(1);
  if (!enabled) return { means, scales };
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += x.values[i * d + j]! / n;
  const variances = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) variances[j]! += (x.values[i * d + j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scales[j] = variances[j]! > 0 ? Math.sqrt(variances[j]!) : 1;
  return { means, scales };
}

/**
 * The rows of X as compressed sparse rows (zeros left out): raw pixels are mostly zero, so the products below run
 * over the non-zero entries only. Standardisation is folded into the weights instead of the data (it would make
 * every zero non-zero): with x' = (x − m) / s, x'W = x (W / s) − (m / s) W, the same numbers up to rounding.
 */
interface SparseRows {
  /** Row i's entries are offsets[i] … offsets[i + 1] − 1 of columns and values. */
  offsets: Int32Array;
  columns: Int32Array;
  values: Float64Array;
}

function sparseRows(x: Matrix, n: number): SparseRows {
  const d = x.dim;
  let nonZero = 0;
  for (let i = 0; i < n * d; i++) if (x.values[i] !== 0) nonZero++;
  const offsets = new Int32Array(n + 1);
  const columns = new Int32Array(nonZero);
  const values = new Float64Array(nonZero);
  let at = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = at;
    for (let j = 0; j < d; j++) {
      const v = x.values[i * d + j]!;
      if (v === 0) continue;
      columns[at] = j;
      values[at++] = v;
    }
  }
  offsets[n] = at;
  return { offsets, columns, values };
}

/** Logits [n, k] = standardise(X) W + b, as X (W / s) + b − (m / s) W; `scaled` receives W / s. */
function logits(
  x: SparseRows,
  n: number,
  d: number,
  k: number,
  parameters: Float64Array,
  means: Float64Array,
  scales: Float64Array,
  out: Float64Array,
  scaled: Float64Array = new Float64Array(d * k),
): void {
  const bias = d * k;
  const constant = new Float64Array(k);
  for (let c = 0; c < k; c++) constant[c] = parameters[bias + c]!;
  for (let j = 0; j < d; j++) {
    for (let c = 0; c < k; c++) {
      const w = parameters[j * k + c]! / scales[j]!;
      scaled[j * k + c] = w;
      constant[c]! -= means[j]! * w;
    }
  }
  const { offsets, columns, values } = x;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) out[i * k + c] = constant[c]!;
    for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
      const v = values[e]!;
      const w = columns[e]! * k;
      for (let c = 0; c < k; c++) out[i * k + c]! += v * scaled[w + c]!;
    }
  }
}

export function fitSoftmaxRegression(
  x: Matrix,
  labels: ArrayLike<number>,
  options: Partial<SoftmaxRegressionOptions> = {},
): SoftmaxRegressionModel {
  const settings = { ...softmaxRegressionDefaults, ...options };
  const n = rowCount(x);
  const d = x.dim;
  if (n !== labels.length) throw new RangeError(`${n} rows but ${labels.length} labels`);
  const { values: classes, inverse: y } = uniqueInverse(labels);
  const k = classes.length;
  const { means, scales } = standardisation(x, n, settings.standardise);
  const features = sparseRows(x, n);
  const scaled = new Float64Array(d * k);
  if (k < 2) {
    // One class: predict it everywhere.
    return {
      classes,
      dim: d,
      parameters: new Float64Array((d + 1) * Math.max(k, 1)),
      means,
      scales,
      iterations: 0,
      converged: true,
    };
  }
  const penalty = 1 / (settings.inverseRegularisation * n);
  // Two classes: class 0's logit is pinned at zero, so the model is sklearn's single logistic unit.
  const pinned = k === 2 ? 0 : -1;
  const z = new Float64Array(n * k);
  const objective = (parameters: Float64Array, gradient: Float64Array): number => {
    logits(features, n, d, k, parameters, means, scales, z, scaled);
    gradient.fill(0);
    let loss = 0;
    const bias = d * k;
    const { offsets, columns, values } = features;
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, z[i * k + c]!);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(z[i * k + c]! - max);
      const logNorm = max + Math.log(s);
      loss += logNorm - z[i * k + y[i]!]!;
      // z now holds the residual p − onehot, divided by n.
      for (let c = 0; c < k; c++) z[i * k + c] = (Math.exp(z[i * k + c]! - logNorm) - (c === y[i] ? 1 : 0)) / n;
      for (let c = 0; c < k; c++) gradient[bias + c]! += z[i * k + c]!;
      // Σ_i x_ij r_ic over the raw non-zero entries; standardisation is applied below.
      for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
        const v = values[e]!;
        const w = columns[e]! * k;
        for (let c = 0; c < k; c++) gradient[w + c]! += v * z[i * k + c]!;
      }
    }
    // d/dW of standardise(X) W: (Σ_i x_ij r_ic − m_j Σ_i r_ic) / s_j.
    for (let j = 0; j < d; j++) {
      for (let c = 0; c < k; c++) gradient[j * k + c] = (gradient[j * k + c]! - means[j]! * gradient[bias + c]!) / scales[j]!;
    }
    let squares = 0;
    for (let m = 0; m < d * k; m++) {
      squares += parameters[m]! ** 2;
      gradient[m]! += penalty * parameters[m]!;
    }
    if (pinned >= 0) {
      for (let j = 0; j <= d; j++) gradient[j * k + pinned] = 0;
    }
    return loss / n + 0.5 * penalty * squares;
  };
  const fit = minimiseLbfgs(objective, new Float64Array((d + 1) * k), {
    maxIterations: settings.maxIterations,
    gradientTolerance: settings.gradientTolerance,
  });
  return { classes, dim: d, parameters: fit.x, means, scales, iterations: fit.iterations, converged: fit.converged };
}

/** The most probable class of each row (values from the training labels). */
export function predictSoftmaxRegression(model: SoftmaxRegressionModel, x: Matrix): Int32Array {
  const n = rowCount(x);
  if (x.dim !== model.dim) throw new RangeError(`model expects ${model.dim} features, got ${x.dim}`);
  const k = model.classes.length;
  const out = new Int32Array(n);
  if (k < 2) return out.fill(model.classes[0] ?? 0);
  const z = new Float64Array(n * k);
  logits(sparseRows(x, n), n, model.dim, k, model.parameters, model.means, model.scales, z);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (z[i * k + c]! > z[i * k + best]!) best = c;
    out[i] = model.classes[best]!;
  }
  return out;
}

/** Fraction of rows whose predicted class equals the label. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let hits = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hits++;
  return labels.length === 0 ? 0 : hits / labels.length;
}

import { type Matrix, rowCount } from './matrix';

/** log((1/K) Σ_k exp(v_k)) without overflow: the largest term is factored out. */
export function logMeanExp(values: ArrayLike<number>, start = 0, count = values.length - start): number {
  if (count <= 0) return -Infinity;
  let max = -Infinity;
  for (let k = 0; k < count; k++) max = Math.max(max, values[start + k]!);
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (let k = 0; k < count; k++) sum += Math.exp(values[start + k]! - max);
  return max + Math.log(sum / count);
}

export interface IwNllResult {
  /** −(1/n) Σ_x log p̂_K(x), nats per image: the importance-weighted estimate. */
  nll: number;
  /** −(1/n) Σ_x (1/K) Σ_k log w_k: the single-sample ELBO averaged over the same K draws, nats per image. */
  negativeElbo: number;
  /** log p̂_K(x) of each image. */
  logLikelihood: Float64Array;
  samples: number;
}

// Importance-weighted estimate of log p(x) (Burda et al. 2016, eq. 8): log (1/K) Σ_k p(x|z_k)p(z_k)/q(z_k|x), z_k ~ q(z|x).
// logWeights is [n, K] with dim = K: log p(x|z_k) + log p(z_k) − log q(z_k|x), computed by the caller (the tfjs side).
export function computeIwNll(logWeights: Matrix): IwNllResult {
  const n = rowCount(logWeights);
  const k = logWeights.dim;
  const logLikelihood = new Float64Array(n);
  let nll = 0;
  let negativeElbo = 0;
  for (let i = 0; i < n; i++) {
    logLikelihood[i] = logMeanExp(logWeights.values, i * k, k);
    nll -= logLikelihood[i]! / n;
    for (let s = 0; s < k; s++) negativeElbo -= logWeights.values[i * k + s]! / (n * k);
  }
  return { nll, negativeElbo, logLikelihood, samples: k };
}

export interface ActiveUnitsResult {
  /** Dimensions whose posterior mean varies across the data by more than the threshold. */
  count: number;
  /** Var_x(E_q[z_j | x]) of each dimension (population variance over the points). */
  variances: Float64Array;
  active: boolean[];
}

// Active units (Burda et al. 2016, §5.2): dimension u is active when Cov_x(E_{q(u|x)}[u]) > 10⁻².
export function activeUnits(posteriorMeans: Matrix, threshold = 0.01): ActiveUnitsResult {
  const n = rowCount(posteriorMeans);
  const d = posteriorMeans.dim;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += posteriorMeans.values[i * d + j]! / n;
  const variances = new Float64Array(d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) variances[j]! += (posteriorMeans.values[i * d + j]! - mean[j]!) ** 2 / n;
  const active = Array.from(variances, (v) => v > threshold);
  return { count: active.filter(Boolean).length, variances, active };
}

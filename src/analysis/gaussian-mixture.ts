import { kMeans } from './kmeans';
import { type Matrix, rowCount } from './matrix';
import { childSeed, mulberry32 } from './random';

/** Defaults of sklearn.mixture.GaussianMixture(covariance_type="diag", init_params="kmeans"). */
export const gaussianMixtureDefaults = {
  maxIterations: 100,
  /** EM stops when the mean log-likelihood changes by less than this. */
  tolerance: 1e-3,
  /** Added to every variance so that none collapses to zero. */
  regularisation: 1e-6,
  /** Restarts, each initialised from its own one-restart k-means; the highest likelihood is kept. */
  restarts: 1,
  seed: 0,
};
export type GaussianMixtureOptions = typeof gaussianMixtureDefaults;

export interface GaussianMixtureResult {
  /** Most responsible component of each point, 0..k-1. */
  assignments: Int32Array;
  weights: Float64Array;
  /** Component means, row-major [k, dim]. */
  means: Float64Array;
  /** Diagonal covariances, row-major [k, dim]. */
  variances: Float64Array;
  /** Mean log-likelihood of the points under the fitted mixture, nats per point (sklearn's score(X)). */
  meanLogLikelihood: number;
  iterations: number;
  converged: boolean;
}

interface Parameters {
  weights: Float64Array;
  means: Float64Array;
  variances: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** sklearn's _estimate_gaussian_parameters for diagonal covariances, from responsibilities [n, k]. */
function mStep(x: Float64Array, n: number, d: number, k: number, resp: Float64Array, regularisation: number): Parameters {
  const nk = new Float64Array(k);
  const means = new Float64Array(k * d);
  const squares = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      nk[c]! += r;
      for (let j = 0; j < d; j++) {
        const v = x[i * d + j]!;
        means[c * d + j]! += r * v;
        squares[c * d + j]! += r * v * v;
      }
    }
  }
  const variances = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    nk[c]! += 10 * Number.EPSILON;
    for (let j = 0; j < d; j++) {
      const mean = means[c * d + j]! / nk[c]!;
      means[c * d + j] = mean;
      variances[c * d + j] = squares[c * d + j]! / nk[c]! - mean * mean + regularisation;
    }
  }
  let total = 0;
  for (const w of nk) total += w;
  const weights = nk.map((w) => w / total);
  return { weights, means, variances };
}

/** E-step: log responsibilities into `logResp`; returns the mean of log p(x_i). */
function eStep(x: Float64Array, n: number, d: number, k: number, p: Parameters, logResp: Float64Array): number {
  const constant = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) logDet += Math.log(p.variances[c * d + j]!);
    constant[c] = Math.log(p.weights[c]!) - 0.5 * (d * LOG_2PI + logDet);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) {
      let quad = 0;
      for (let j = 0; j < d; j++) {
        const diff = x[i * d + j]! - p.means[c * d + j]!;
        quad += (diff * diff) / p.variances[c * d + j]!;
      }
      const value = constant[c]! - 0.5 * quad;
      logResp[i * k + c] = value;
      if (value > max) max = value;
    }
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(logResp[i * k + c]! - max);
    const logNorm = max + Math.log(s);
    for (let c = 0; c < k; c++) logResp[i * k + c]! -= logNorm;
    total += logNorm;
  }
  return total / n;
}

function argmaxRows(values: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (values[i * k + c]! > values[i * k + best]!) best = c;
    out[i] = best;
  }
  return out;
}

// Gaussian mixture with diagonal covariances fitted by EM (Dempster et al. 1977), as sklearn.mixture.GaussianMixture.
export function fitGaussianMixture(
  points: Matrix,
  k: number,
  options: Partial<GaussianMixtureOptions> = {},
): GaussianMixtureResult {
  const settings = { ...gaussianMixtureDefaults, ...options };
  const n = rowCount(points);
  const d = points.dim;
  const x = Float64Array.from(points.values);
  const rng = mulberry32(settings.seed);
  let best: GaussianMixtureResult | undefined;
  for (let r = 0; r < settings.restarts; r++) {
    // init_params="kmeans": one-hot responsibilities from a single k-means run.
    const start = kMeans(points, k, { restarts: 1, seed: childSeed(rng) });
    const resp = new Float64Array(n * k);
    for (let i = 0; i < n; i++) resp[i * k + start.assignments[i]!] = 1;
    let params = mStep(x, n, d, k, resp, settings.regularisation);
    const logResp = new Float64Array(n * k);
    let lowerBound = -Infinity;
    let converged = false;
    let iterations = 0;
    while (iterations < settings.maxIterations) {
      iterations++;
      const previous = lowerBound;
      lowerBound = eStep(x, n, d, k, params, logResp);
      params = mStep(x, n, d, k, logResp.map(Math.exp), settings.regularisation);
      if (Math.abs(lowerBound - previous) < settings.tolerance) {
        converged = true;
        break;
      }
    }
    // A final E-step so that labels and likelihood belong to the final parameters (sklearn's fit_predict does the same).
    const meanLogLikelihood = eStep(x, n, d, k, params, logResp);
    const run: GaussianMixtureResult = {
      assignments: argmaxRows(logResp, n, k),
      ...params,
      meanLogLikelihood,
      iterations,
      converged,
    };
    if (!best || run.meanLogLikelihood > best.meanLogLikelihood) best = run;
  }
  return best!;
}

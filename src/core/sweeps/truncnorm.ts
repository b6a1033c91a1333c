/**
 * The truncated normal distribution a Parzen estimator's kernels are made of: its log density, the log of a normal's
 * mass on an interval, and draws by inverting its CDF (as Optuna's `_truncnorm` does, after SciPy's truncnorm).
 */

/** erfc(x), Numerical Recipes' Chebyshev fit (fractional error below 1.2e-7 everywhere, the tails included). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Φ(x), the standard normal CDF. */
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/** Φ⁻¹(p): Acklam's rational approximation (relative error below 1.15e-9), refined by one Halley step. */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** log(Φ(b) − Φ(a)) for a < b, computed in the lower tail where it is exact (a normal is symmetric). */
export function logGaussMass(a: number, b: number): number {
  if (a > 0) return logGaussMass(-b, -a);
  return Math.log(Math.max(normalCdf(b) - normalCdf(a), 1e-300));
}

const logSqrt2Pi = 0.5 * Math.log(2 * Math.PI);

/** The log density at x of N(mu, sigma²) truncated to [low, high]. */
export function truncnormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  const z = (x - mu) / sigma;
  return -0.5 * z * z - logSqrt2Pi - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
}

/** One draw of N(mu, sigma²) truncated to [low, high], from a uniform number u in [0, 1). */
export function truncnormDraw(u: number, mu: number, sigma: number, low: number, high: number): number {
  let a = (low - mu) / sigma;
  let b = (high - mu) / sigma;
  // In the upper tail, draw the mirror image from the lower one, where Φ keeps its precision.
  const flip = a > 0;
  if (flip) [a, b] = [-b, -a];
  const pa = normalCdf(a);
  const pb = normalCdf(b);
  const z = normalQuantile(pa + u * (pb - pa));
  const x = mu + sigma * (flip ? -z : z);
  return Math.min(high, Math.max(low, x));
}

import { type Matrix, rowCount } from './matrix';
import { childSeed, mulberry32, randomInt, type Rng } from './random';

/** Defaults of sklearn.cluster.KMeans (Lloyd), with the n_init = 10 of sklearn < 1.4 and of DEC's baselines. */
export const kMeansDefaults = {
  /** Restarts from fresh k-means++ seeds; the run with the lowest inertia is kept. */
  restarts: 10,
  maxIterations: 300,
  /** Stop when the summed squared centre shift is below tolerance × the mean feature variance. */
  tolerance: 1e-4,
  seed: 0,
};
export type KMeansOptions = typeof kMeansDefaults;

export interface KMeansResult {
  /** Cluster of each point, 0..k-1. */
  assignments: Int32Array;
  /** Centroids, row-major [k, dim]. */
  centroids: Float64Array;
  /** Sum of squared distances to the assigned centroid. */
  inertia: number;
  iterations: number;
}

// k-means++ seeding as sklearn's _kmeans_plusplus: greedy, 2 + ln(k) candidates per centre (Arthur & Vassilvitskii 2007).
function seedCentroids(x: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  const centroids = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = randomInt(rng, n);
  centroids.set(x.subarray(first * d, first * d + d), 0);
  let closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = squaredDistance(x, i * d, x, first * d, d);
  let potential = sum(closest);
  const cumulative = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < n; i++) cumulative[i] = running += closest[i]!;
    let bestPotential = Infinity;
    let bestId = 0;
    let bestClosest = closest;
    for (let t = 0; t < trials; t++) {
      const id = Math.min(n - 1, searchSorted(cumulative, rng() * potential));
      const candidate = new Float64Array(n);
      let candidatePotential = 0;
      for (let i = 0; i < n; i++) {
        candidate[i] = Math.min(closest[i]!, squaredDistance(x, i * d, x, id * d, d));
        candidatePotential += candidate[i]!;
      }
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestId = id;
        bestClosest = candidate;
      }
    }
    centroids.set(x.subarray(bestId * d, bestId * d + d), c * d);
    closest = bestClosest;
    potential = bestPotential;
  }
  return centroids;
}

/** First index whose cumulative value reaches `target` (np.searchsorted, side left). */
function searchSorted(cumulative: Float64Array, target: number): number {
  let lo = 0;
  let hi = cumulative.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function squaredDistance(a: Float64Array, aStart: number, b: Float64Array, bStart: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const diff = a[aStart + j]! - b[bStart + j]!;
    s += diff * diff;
  }
  return s;
}

function squaredNorm(a: Float64Array, start: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[start + j]! * a[start + j]!;
  return s;
}

function sum(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

/** Assigns each point to its nearest centroid; returns the inertia. Distances are ||x||² − 2x·c + ||c||². */
function assign(
  x: Float64Array,
  xNorms: Float64Array,
  n: number,
  d: number,
  centroids: Float64Array,
  k: number,
  assignments: Int32Array,
  distances: Float64Array,
): number {
  const cNorms = new Float64Array(k);
  for (let c = 0; c < k; c++) cNorms[c] = squaredNorm(centroids, c * d, d);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let best = Infinity;
    let bestC = 0;
    for (let c = 0; c < k; c++) {
      const col = c * d;
      let dot = 0;
      for (let j = 0; j < d; j++) dot += x[row + j]! * centroids[col + j]!;
      const dist = cNorms[c]! - 2 * dot;
      if (dist < best) {
        best = dist;
        bestC = c;
      }
    }
    assignments[i] = bestC;
    const exact = Math.max(0, best + xNorms[i]!);
    distances[i] = exact;
    inertia += exact;
  }
  return inertia;
}

/** Lloyd's iterations from one seeding (sklearn's _kmeans_single_lloyd, empty clusters moved to far points). */
function lloyd(
  x: Float64Array,
  xNorms: Float64Array,
  n: number,
  d: number,
  k: number,
  rng: Rng,
  options: KMeansOptions,
  tolerance: number,
): KMeansResult {
  let centroids = seedCentroids(x, n, d, k, rng);
  const assignments = new Int32Array(n);
  const previous = new Int32Array(n).fill(-1);
  const distances = new Float64Array(n);
  let iterations = 0;
  for (; iterations < options.maxIterations;) {
    assign(x, xNorms, n, d, centroids, k, assignments, distances);
    iterations++;
    const next = new Float64Array(k * d);
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = assignments[i]!;
      counts[c]!++;
      for (let j = 0; j < d; j++) next[c * d + j]! += x[i * d + j]!;
    }
    relocateEmpty(x, d, k, next, counts, assignments, distances);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) next[c * d + j]! /= counts[c]!;
    let shift = 0;
    for (let m = 0; m < next.length; m++) shift += (next[m]! - centroids[m]!) ** 2;
    centroids = next;
    if (assignments.every((c, i) => c === previous[i])) break;
    previous.set(assignments);
    if (shift <= tolerance) break;
  }
  // As sklearn: a last assignment so that labels and inertia match the final centroids.
  const inertia = assign(x, xNorms, n, d, centroids, k, assignments, distances);
  return { assignments, centroids, inertia, iterations };
}

/** sklearn's _relocate_empty_clusters: an empty cluster takes the point farthest from its centroid. */
function relocateEmpty(
  x: Float64Array,
  d: number,
  k: number,
  sums: Float64Array,
  counts: Float64Array,
  assignments: Int32Array,
  distances: Float64Array,
): void {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return;
  const far = Array.from(distances.keys())
    .sort((a, b) => distances[b]! - distances[a]!)
    .slice(0, empty.length);
  empty.forEach((c, e) => {
    const i = far[e]!;
    const from = assignments[i]!;
    for (let j = 0; j < d; j++) {
      sums[from * d + j]! -= x[i * d + j]!;
      sums[c * d + j] = x[i * d + j]!;
    }
    counts[from]!--;
    counts[c] = 1;
    assignments[i] = c;
  });
}

// k-means (Lloyd 1982) with k-means++ seeding and restarts, following sklearn.cluster.KMeans(algorithm="lloyd").
export function kMeans(points: Matrix, k: number, options: Partial<KMeansOptions> = {}): KMeansResult {
  const settings = { ...kMeansDefaults, ...options };
  const n = rowCount(points);
  const d = points.dim;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k must be in 1..${n}, got ${k}`);
  // sklearn centres the data first for precision; distances and assignments are unchanged.
  const x = Float64Array.from(points.values);
  const means = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += x[i * d + j]! / n;
  let meanVariance = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      x[i * d + j]! -= means[j]!;
      meanVariance += x[i * d + j]! ** 2 / (n * d);
    }
  }
  const xNorms = new Float64Array(n);
  for (let i = 0; i < n; i++) xNorms[i] = squaredNorm(x, i * d, d);
  const rng = mulberry32(settings.seed);
  let best: KMeansResult | undefined;
  for (let r = 0; r < settings.restarts; r++) {
    const run = lloyd(x, xNorms, n, d, k, mulberry32(childSeed(rng)), settings, settings.tolerance * meanVariance);
    if (!best || run.inertia < best.inertia) best = run;
  }
  const result = best!;
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) result.centroids[c * d + j]! += means[j]!;
  return result;
}

import { munkres } from 'munkres';

import { fitGaussianMixture, gaussianMixtureDefaults, type GaussianMixtureOptions } from './gaussian-mixture';
import { contingencyMatrix, labelEntropy, mutualInfoFromContingency, uniqueInverse } from './information';
import { kMeans, kMeansDefaults, type KMeansOptions } from './kmeans';
import { type Matrix, rowCount } from './matrix';

/** The counts of labels (rows, sorted label values) against clusters (columns, sorted cluster ids). */
export interface ConfusionMatrix {
  labels: number[];
  clusters: number[];
  /** counts[r][c]: points of label labels[r] put in cluster clusters[c]. */
  counts: number[][];
}

export function confusionMatrix(labels: ArrayLike<number>, clusters: ArrayLike<number>): ConfusionMatrix {
  const table = contingencyMatrix(labels, clusters);
  const cols = table.colValues.length;
  const counts = table.rowValues.map((_, r) => Array.from(table.counts.subarray(r * cols, (r + 1) * cols)));
  return { labels: table.rowValues, clusters: table.colValues, counts };
}

export interface ClusteringAccuracy {
  accuracy: number;
  /** The label each cluster is mapped to; clusters left without a label (more clusters than labels) are absent. */
  clusterToLabel: Map<number, number>;
}

/** A minimum-cost one-to-one assignment of rows to columns (Kuhn–Munkres, via the munkres package); rectangular costs leave rows or columns out. */
export function minimumCostAssignment(cost: number[][]): { pairs: [row: number, col: number][]; cost: number } {
  if (cost.length === 0 || cost[0]!.length === 0) return { pairs: [], cost: 0 };
  const pairs = munkres(cost).map(([r, c]): [number, number] => [r, c]);
  return { pairs, cost: pairs.reduce((total, [r, c]) => total + cost[r]![c]!, 0) };
}

// Unsupervised clustering accuracy, ACC = max over one-to-one maps m of (1/n) Σ 1{l_i = m(c_i)} (Xie et al. 2016, eq. 10), by the Hungarian algorithm.
export function clusteringAccuracy(labels: ArrayLike<number>, clusters: ArrayLike<number>): ClusteringAccuracy {
  if (labels.length === 0) return { accuracy: 0, clusterToLabel: new Map() };
  const table = contingencyMatrix(clusters, labels);
  const cols = table.colValues.length;
  // Maximise matched counts = minimise their negation.
  const cost = table.rowValues.map((_, r) => Array.from(table.counts.subarray(r * cols, (r + 1) * cols), (v) => -v));
  const { pairs, cost: negatedMatches } = minimumCostAssignment(cost);
  const clusterToLabel = new Map(pairs.map(([r, c]) => [table.rowValues[r]!, table.colValues[c]!]));
  return { accuracy: -negatedMatches / labels.length, clusterToLabel };
}

// NMI with the arithmetic-mean normaliser: MI / ((H(labels) + H(clusters)) / 2), sklearn's normalized_mutual_info_score (metrics/cluster/_supervised.py).
export function normalizedMutualInfo(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const table = contingencyMatrix(labels, clusters);
  const classes = table.rowValues.length;
  const groups = table.colValues.length;
  // Both trivial (one class and one cluster, or none): identical partitions by convention.
  if ((classes === 1 && groups === 1) || (classes === 0 && groups === 0)) return 1;
  const mi = mutualInfoFromContingency(table);
  if (mi === 0) return 0;
  const normaliser = Math.max((labelEntropy(labels) + labelEntropy(clusters)) / 2, Number.EPSILON);
  return mi / normaliser;
}

// Adjusted Rand index (Hubert & Arabie 1985) from the pair confusion matrix, as sklearn's adjusted_rand_score (metrics/cluster/_supervised.py).
export function adjustedRandIndex(labels: ArrayLike<number>, clusters: ArrayLike<number>): number {
  const table = contingencyMatrix(labels, clusters);
  const n = BigInt(table.total);
  const cols = table.colValues.length;
  let sumSquares = 0n;
  let rowTerm = 0n;
  let colTerm = 0n;
  for (let r = 0; r < table.rowValues.length; r++) {
    for (let c = 0; c < cols; c++) {
      const count = BigInt(table.counts[r * cols + c]!);
      sumSquares += count * count;
      rowTerm += count * BigInt(table.colSums[c]!);
      colTerm += count * BigInt(table.rowSums[r]!);
    }
  }
  // Pairs counted in ordered form, as sklearn's pair_confusion_matrix; exact in BigInt, as Python ints are.
  const tp = sumSquares - n;
  const fp = rowTerm - sumSquares;
  const fn = colTerm - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0n && fp === 0n) return 1;
  const numerator = 2n * (tp * tn - fn * fp);
  const denominator = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
  return Number(numerator) / Number(denominator);
}

export interface ClusteringScores {
  accuracy: number;
  nmi: number;
  ari: number;
  confusion: ConfusionMatrix;
  /** Cluster of each point. */
  assignments: Int32Array;
}

export function scoreClustering(labels: ArrayLike<number>, clusters: ArrayLike<number>): Omit<ClusteringScores, 'assignments'> {
  return {
    accuracy: clusteringAccuracy(labels, clusters).accuracy,
    nmi: normalizedMutualInfo(labels, clusters),
    ari: adjustedRandIndex(labels, clusters),
    confusion: confusionMatrix(labels, clusters),
  };
}

export const clusteringDefaults = {
  /** Number of clusters; 0 means the number of distinct labels. */
  clusters: 0,
  algorithms: ['kmeans', 'gaussian-mixture'] as ('kmeans' | 'gaussian-mixture')[],
  seed: 0,
  kmeans: {
    restarts: kMeansDefaults.restarts,
    maxIterations: kMeansDefaults.maxIterations,
    tolerance: kMeansDefaults.tolerance,
  } as Partial<KMeansOptions>,
  gaussianMixture: {
    restarts: gaussianMixtureDefaults.restarts,
    maxIterations: gaussianMixtureDefaults.maxIterations,
    tolerance: gaussianMixtureDefaults.tolerance,
    regularisation: gaussianMixtureDefaults.regularisation,
  } as Partial<GaussianMixtureOptions>,
};
export type ClusteringOptions = typeof clusteringDefaults;

export interface ClusteringResult {
  clusters: number;
  kmeans?: ClusteringScores & { inertia: number };
  gaussianMixture?: ClusteringScores & { meanLogLikelihood: number };
}

// Deep clustering (lecture 000, 6.3.3): k-means and a diagonal Gaussian mixture on the codes, judged by ACC, NMI and ARI against the labels.
export function computeClustering(
  codes: Matrix,
  labels: ArrayLike<number>,
  options: Partial<ClusteringOptions> = {},
): ClusteringResult {
  const settings = { ...clusteringDefaults, ...options };
  if (rowCount(codes) !== labels.length) throw new RangeError(`${rowCount(codes)} codes but ${labels.length} labels`);
  const k = settings.clusters > 0 ? settings.clusters : uniqueInverse(labels).values.length;
  const result: ClusteringResult = { clusters: k };
  if (settings.algorithms.includes('kmeans')) {
    const fit = kMeans(codes, k, { ...settings.kmeans, seed: settings.seed });
    result.kmeans = { ...scoreClustering(labels, fit.assignments), assignments: fit.assignments, inertia: fit.inertia };
  }
  if (settings.algorithms.includes('gaussian-mixture')) {
    const fit = fitGaussianMixture(codes, k, { ...settings.gaussianMixture, seed: settings.seed });
    result.gaussianMixture = {
      ...scoreClustering(labels, fit.assignments),
      assignments: fit.assignments,
      meanLogLikelihood: fit.meanLogLikelihood,
    };
  }
  return result;
}

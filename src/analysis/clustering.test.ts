import { describe, expect, it } from 'vitest';

import {
  adjustedRandIndex,
  clusteringAccuracy,
  computeClustering,
  confusionMatrix,
  minimumCostAssignment,
  normalizedMutualInfo,
} from './clustering';
import { reference } from './fixtures/sklearn-reference';
import { mulberry32, randomInt, standardNormal } from './random';

describe('Hungarian assignment', () => {
  it('finds the known optimum of a small cost matrix (scipy linear_sum_assignment example: cost 5)', () => {
    const { pairs, cost } = minimumCostAssignment([
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ]);
    expect(cost).toBe(5);
    expect(pairs.sort((a, b) => a[0] - b[0])).toEqual([
      [0, 1],
      [1, 0],
      [2, 2],
    ]);
  });

  it('beats the greedy choice where the greedy one is wrong', () => {
    // Greedy takes the 9 (row 0, col 0) and is left with 1 + 1 = 11; the optimum is 8 + 8 + 1 = 17.
    const weights = [
      [9, 8, 0],
      [8, 1, 0],
      [0, 0, 1],
    ];
    const { cost } = minimumCostAssignment(weights.map((row) => row.map((w) => -w)));
    expect(-cost).toBe(17);
  });
});

describe('clustering accuracy, NMI and ARI', () => {
  it('scores a relabelled copy of the labels as perfect', () => {
    const rng = mulberry32(3);
    const labels = Array.from({ length: 500 }, () => randomInt(rng, 10));
    const permutation = [3, 7, 0, 9, 1, 4, 8, 2, 6, 5];
    const clusters = labels.map((l) => permutation[l]!);
    const acc = clusteringAccuracy(labels, clusters);
    expect(acc.accuracy).toBe(1);
    permutation.forEach((cluster, label) => expect(acc.clusterToLabel.get(cluster)).toBe(label));
    expect(normalizedMutualInfo(labels, clusters)).toBeCloseTo(1, 12);
    expect(adjustedRandIndex(labels, clusters)).toBe(1);
  });

  it('matches hand-computed values on sklearn user-guide tables', () => {
    // labels_true = [0,0,0,1,1,1], labels_pred = [0,0,1,1,2,2]: ARI = (2 − 1.2)/(4.5 − 1.2) = 8/33, NMI = (2/3)ln2 / ((ln2 + ln3)/2).
    const truth = [0, 0, 0, 1, 1, 1];
    const predicted = [0, 0, 1, 1, 2, 2];
    expect(adjustedRandIndex(truth, predicted)).toBeCloseTo(8 / 33, 14);
    expect(normalizedMutualInfo(truth, predicted)).toBeCloseTo(((4 / 3) * Math.log(2)) / Math.log(6), 14);
    // adjusted_rand_score docstring examples.
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(4 / 7, 14);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 14);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    // normalized_mutual_info_score docstring examples.
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBeCloseTo(1, 14);
    expect(normalizedMutualInfo([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(clusteringAccuracy(truth, predicted).accuracy).toBeCloseTo(4 / 6, 14);
  });

  it('agrees with scikit-learn on a noisy 5-class, 7-cluster labelling', () => {
    const { labels, clusters, nmi, ari } = reference.clusterScores;
    expect(normalizedMutualInfo(labels, clusters)).toBeCloseTo(nmi, 12);
    expect(adjustedRandIndex(labels, clusters)).toBeCloseTo(ari, 12);
  });

  it('counts labels against clusters in the confusion matrix', () => {
    expect(confusionMatrix([0, 0, 1, 2], [5, 5, 6, 6])).toEqual({
      labels: [0, 1, 2],
      clusters: [5, 6],
      counts: [
        [2, 0],
        [0, 1],
        [0, 1],
      ],
    });
  });
});

describe('computeClustering', () => {
  it('finds well-separated classes with k-means and the Gaussian mixture', () => {
    const rng = mulberry32(11);
    const labels = Array.from({ length: 600 }, () => randomInt(rng, 4));
    const values = new Float32Array(600 * 3);
    labels.forEach((l, i) => {
      for (let j = 0; j < 3; j++) values[i * 3 + j] = (j === l % 3 ? 8 : 0) + (l === 3 ? -8 : 0) + standardNormal(rng);
    });
    const result = computeClustering({ values, dim: 3 }, labels);
    expect(result.clusters).toBe(4);
    expect(result.kmeans!.accuracy).toBe(1);
    expect(result.gaussianMixture!.accuracy).toBe(1);
    expect(result.kmeans!.nmi).toBeCloseTo(1, 12);
    expect(result.gaussianMixture!.ari).toBe(1);
  });
});

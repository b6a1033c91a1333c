import { describe, expect, it } from 'vitest';

import { reference } from './fixtures/sklearn-reference';
import { contingencyMatrix, labelEntropy, mutualInfoScore } from './information';

describe('discrete information (sklearn definitions)', () => {
  it('gives ln 3 for three equally frequent values (disentanglement_lib utils_test)', () => {
    expect(labelEntropy([1, 1, 2, 2, 3, 3])).toBeCloseTo(Math.log(3), 14);
    expect(mutualInfoScore([3, 3, 2, 2, 1, 1], [3, 3, 2, 2, 1, 1])).toBeCloseTo(Math.log(3), 14);
  });

  it('gives ln 2 between a code and the factor it copies and 0 for an independent one (utils_test)', () => {
    expect(mutualInfoScore([1, 2, 1, 2], [1, 2, 1, 2])).toBeCloseTo(Math.log(2), 14);
    expect(mutualInfoScore([1, 1, 2, 2], [1, 2, 1, 2])).toBe(0);
  });

  it('matches sklearn.metrics.mutual_info_score on a noisy labelling', () => {
    const { labels, clusters, mutualInfo } = reference.clusterScores;
    expect(mutualInfoScore(labels, clusters)).toBeCloseTo(mutualInfo, 13);
  });

  it('tabulates counts with sorted row and column values', () => {
    const table = contingencyMatrix([2, 1, 2], [0, 0, 7]);
    expect(table.rowValues).toEqual([1, 2]);
    expect(table.colValues).toEqual([0, 7]);
    expect(Array.from(table.counts)).toEqual([1, 0, 1, 1]);
  });
});

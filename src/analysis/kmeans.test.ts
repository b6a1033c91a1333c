import { describe, expect, it } from 'vitest';

import { reference } from './fixtures/sklearn-reference';
import { kMeans } from './kmeans';

const blobs = { values: Float64Array.from(reference.blobs.points.flat()), dim: 2 };

describe('kMeans', () => {
  it('reaches the inertia of sklearn KMeans(n_init=10) on three blobs', () => {
    const result = kMeans(blobs, 3);
    expect(result.inertia).toBeCloseTo(reference.blobs.kmeansInertia, 8);
    expect(new Set(result.assignments).size).toBe(3);
  });

  it('is deterministic for a seed and keeps the best of its restarts', () => {
    const a = kMeans(blobs, 5, { seed: 7 });
    const b = kMeans(blobs, 5, { seed: 7 });
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(a.inertia).toBe(b.inertia);
    const singles = [0, 1, 2, 3].map((seed) => kMeans(blobs, 5, { seed, restarts: 1 }).inertia);
    expect(kMeans(blobs, 5, { seed: 7, restarts: 20 }).inertia).toBeLessThanOrEqual(Math.min(...singles) + 1e-9);
  });

  it('puts a single centroid at the mean, and its inertia is the total sum of squares', () => {
    const points = { values: [0, 0, 2, 0, 0, 4, 2, 4], dim: 2 };
    const result = kMeans(points, 1);
    expect(Array.from(result.centroids)).toEqual([1, 2]);
    expect(result.inertia).toBeCloseTo(4 * (1 + 4), 12);
  });

  it('reports each point with its nearest centroid', () => {
    const result = kMeans(blobs, 3, { seed: 1 });
    const { values, dim } = blobs;
    for (let i = 0; i < values.length / dim; i++) {
      const distances = [0, 1, 2].map((c) =>
        [0, 1].reduce((s, j) => s + (values[i * dim + j]! - result.centroids[c * dim + j]!) ** 2, 0),
      );
      expect(distances[result.assignments[i]!]).toBeCloseTo(Math.min(...distances), 9);
    }
  });
});

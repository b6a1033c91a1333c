import { createRng } from '../../../shared/random';
import { describe, expect, it } from 'vitest';
import {
  decodeFloat32,
  defaultProjectionParams,
  project,
  sampleIndices,
  type Projection,
  type ProjectionParams,
} from './projection';
import { insidePolygon, PointGrid } from './projection-index';
import { paramIssues } from './projection-params';
import { boundsOf, fitView, niceTicks, packRgba, rasterize, toData, zoomView } from './projection-draw';

function run(codes: Float32Array, count: number, dim: number, params: Partial<ProjectionParams>): Projection {
  const steps = project(codes, count, dim, { ...defaultProjectionParams, ...params });
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Two Gaussian blobs in 6 dimensions, 60 points each, the second shifted by 8 along every axis. */
function blobs(seed = 1): Float32Array {
  const random = createRng(seed);
  const codes = new Float32Array(120 * 6);
  for (let i = 0; i < 120; i++) for (let d = 0; d < 6; d++) codes[i * 6 + d] = random() - 0.5 + (i >= 60 ? 8 : 0);
  return codes;
}

function separated(p: Projection): boolean {
  // Every point is nearer to its own blob's centroid than to the other one's.
  const centroid = (from: number) => {
    let x = 0;
    let y = 0;
    for (let i = from; i < from + 60; i++) {
      x += p.xy[2 * i]!;
      y += p.xy[2 * i + 1]!;
    }
    return [x / 60, y / 60] as const;
  };
  const [a, b] = [centroid(0), centroid(60)];
  return Array.from({ length: 120 }, (_, i) => {
    const d = (c: readonly [number, number]) => Math.hypot(p.xy[2 * i]! - c[0], p.xy[2 * i + 1]! - c[1]);
    return i < 60 ? d(a) < d(b) : d(b) < d(a);
  }).every(Boolean);
}

describe('projections', () => {
  it('decodes the contract’s base64 float32', () => {
    const values = new Float32Array([1.5, -2.25, 3e-8, 42]);
    const base64 = btoa(String.fromCharCode(...new Uint8Array(values.buffer)));
    expect(Array.from(decodeFloat32(base64))).toEqual(Array.from(values));
  });

  it('PCA finds the direction of most variance, with a stable sign', () => {
    // Points along (1, 1, 0) with a little noise along (0, 0, 1): PC1 is the line.
    const codes = new Float32Array(50 * 3);
    for (let i = 0; i < 50; i++) codes.set([i, i, (i % 2) * 0.1], i * 3);
    const p = run(codes, 50, 3, { method: 'pca' });
    expect(p.indices).toHaveLength(50);
    expect(p.axes[0]).toMatch(/^PC1 \((99\.\d|100\.0)%\)$/);
    for (let i = 1; i < 50; i++) expect(p.xy[2 * i]! - p.xy[2 * (i - 1)]!).toBeCloseTo(Math.SQRT2, 4);
  });

  it('draws a 2-D code on its own axes, not rotated onto its principal components', () => {
    const codes = new Float32Array([0, 0, 1, 1, 2, 2.5, 3, 2.9, -1, 4]);
    const p = run(codes, 5, 2, { method: 'pca' });
    expect(p.axes).toEqual(['z1', 'z2']);
    expect(Array.from(p.xy)).toEqual(Array.from(codes));
    expect(p.note).toContain('2-D code');
  });

  it('UMAP and t-SNE separate two blobs, and the same seed gives the same picture', () => {
    const codes = blobs();
    const umap = run(codes, 120, 6, { method: 'umap', umapNeighbors: 10, umapEpochs: 60, seed: 3 });
    expect(separated(umap)).toBe(true);
    expect(Array.from(run(codes, 120, 6, { method: 'umap', umapNeighbors: 10, umapEpochs: 60, seed: 3 }).xy)).toEqual(
      Array.from(umap.xy),
    );
    expect(Array.from(run(codes, 120, 6, { method: 'umap', umapNeighbors: 10, umapEpochs: 60, seed: 4 }).xy)).not.toEqual(
      Array.from(umap.xy),
    );
    const tsne = run(codes, 120, 6, { method: 'tsne', tsnePerplexity: 10, tsneIterations: 150, seed: 3 });
    expect(tsne.note).toBeNull();
    expect(separated(tsne)).toBe(true);
    expect(Array.from(run(codes, 120, 6, { method: 'tsne', tsnePerplexity: 10, tsneIterations: 150, seed: 3 }).xy)).toEqual(
      Array.from(tsne.xy),
    );
  });

  it('t-SNE runs on a seeded sample when asked for fewer points than there are', () => {
    const p = run(blobs(), 120, 6, { method: 'tsne', tsnePoints: 50, tsneIterations: 20, seed: 5 });
    expect(p.indices).toHaveLength(50);
    expect(Array.from(p.indices)).toEqual(Array.from(sampleIndices(120, 50, 5)));
    expect([...p.indices].every((v, i, a) => i === 0 || v > a[i - 1]!)).toBe(true);
    expect(p.note).toMatch(/sample of 50 of 120/);
  });

  it('reports UMAP’s epochs as progress', () => {
    const steps = project(blobs(), 120, 6, { ...defaultProjectionParams, method: 'umap', umapNeighbors: 5, umapEpochs: 20 });
    const phases: string[] = [];
    let last = 0;
    for (let next = steps.next(); !next.done; next = steps.next()) {
      phases.push(next.value.phase);
      last = next.value.done;
    }
    expect(phases[0]).toBe('neighbours');
    expect(phases.at(-1)).toBe('epochs');
    expect(last).toBe(20);
  });
});

describe('hit testing and drawing', () => {
  const random = createRng(9);
  const xy = Float32Array.from({ length: 2 * 3000 }, () => random() * 10 - 5);
  const grid = new PointGrid(xy);

  it('finds the nearest point and the points in a rectangle or a lasso, as a full scan does', () => {
    for (let t = 0; t < 200; t++) {
      const [x, y] = [random() * 12 - 6, random() * 12 - 6];
      let best = -1;
      let bestD = Infinity;
      for (let k = 0; k < 3000; k++) {
        const d = Math.hypot(xy[2 * k]! - x, xy[2 * k + 1]! - y);
        if (d <= 0.3 && d < bestD) [best, bestD] = [k, d];
      }
      expect(grid.nearest(x, y, 0.3)).toBe(best);
    }
    const scan = (inside: (x: number, y: number) => boolean) =>
      Array.from({ length: 3000 }, (_, k) => k).filter((k) => inside(xy[2 * k]!, xy[2 * k + 1]!));
    expect(grid.inRect(2, -1, -1.5, 3)).toEqual(scan((x, y) => x >= -1.5 && x <= 2 && y >= -1 && y <= 3));
    const lasso: [number, number][] = [
      [0, 0],
      [4, 1],
      [2, 4],
      [-3, 2],
    ];
    const inLasso = grid.inPolygon(lasso);
    expect(inLasso.length).toBeGreaterThan(100);
    expect(inLasso).toEqual(scan((x, y) => insidePolygon(x, y, lasso)));
  });

  it('maps data to screen and back through pan and zoom, and draws every visible point', () => {
    const area = { left: 50, top: 10, width: 400, height: 300 };
    const view = fitView(boundsOf(xy), area);
    const zoomed = zoomView(view, 2.5, 120, 80);
    const [dx, dy] = toData(zoomed, 120, 80);
    const [vx, vy] = toData(view, 120, 80);
    expect(dx).toBeCloseTo(vx, 9);
    expect(dy).toBeCloseTo(vy, 9);
    const pixels = new Uint32Array(500 * 320);
    const colors = new Uint32Array(3000).fill(packRgba(255, 0, 0));
    expect(rasterize(pixels, 500, 320, xy, colors, view, 3)).toBe(3000);
    expect(rasterize(pixels, 500, 320, xy, colors, zoomed, 3)).toBeLessThan(3000);
    expect(niceTicks(-5.2, 4.9, 5)).toEqual([-4, -2, 0, 2, 4]);
  });
});

describe('projection parameters', () => {
  it('names each parameter of the chosen method that is out of its range, and only those', () => {
    const umap = { ...defaultProjectionParams, method: 'umap' as const, umapNeighbors: 0, umapMinDist: 15 };
    expect(paramIssues(umap)).toEqual([
      { field: 'umapNeighbors', message: 'neighbours: 0 is not a whole number from 2 to 200' },
      { field: 'umapMinDist', message: 'min dist: 15 is not from 0 to 1' },
    ]);
    expect(paramIssues({ ...umap, method: 'pca' })).toEqual([]);
    expect(paramIssues({ ...defaultProjectionParams, method: 'tsne', tsnePerplexity: Number.NaN })).toEqual([
      { field: 'tsnePerplexity', message: 'perplexity: empty is not a whole number from 2 to 100' },
    ]);
    expect(paramIssues({ ...defaultProjectionParams, method: 'umap' })).toEqual([]);
  });
});

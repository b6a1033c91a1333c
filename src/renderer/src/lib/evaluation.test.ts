import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../../shared/api';
import { heatColor, heatInk, maximumAssignment, orderConfusion } from './confusion';
import { kindOptions, mergeEvaluations, otherFigures, percentSpread, points, probeRows } from './evaluation';

const shapes = { name: 'shapes', classes: 3, factors: [{ name: 'shape', values: [0, 1, 2], min: 0, max: 2 }] };
const mnist = { name: 'mnist', classes: 10, factors: [] };
const vae = { label: 'VAE', evaluation: { codes: true, likelihood: true } };
const ae = { label: 'AE', evaluation: { codes: true, likelihood: false } };
const available = (options: ReturnType<typeof kindOptions>) => options.filter((o) => o.available).map((o) => o.kind);

describe('what a run can be evaluated on', () => {
  it('follows the family and the data set, as the core checks them', () => {
    expect(available(kindOptions(vae, shapes, 'bce'))).toEqual(['clustering', 'probe', 'disentanglement', 'nll']);
    expect(available(kindOptions(ae, mnist, 'mse'))).toEqual(['clustering', 'probe']);
    expect(available(kindOptions(vae, { name: 'faces', classes: 0, factors: shapes.factors }, 'mse'))).toEqual([
      'disentanglement',
      'nll',
    ]);
    const smooth = kindOptions(vae, mnist, 'smoothL1').find((o) => o.kind === 'nll');
    expect(smooth?.available).toBe(false);
    expect(smooth?.reason).toMatch(/smoothL1/);
    const noCodes = kindOptions({ label: 'Deepfake', evaluation: { codes: false, likelihood: false } }, shapes, 'mse');
    expect(available(noCodes)).toEqual([]);
    expect(noCodes[0]?.reason).toMatch(/Deepfake has no encoder/);
  });
});

describe('the confusion matrix as drawn', () => {
  it('puts the matched clusters on the diagonal, labels in order', () => {
    const m = {
      labels: [2, 0, 1],
      clusters: [0, 1, 2],
      counts: [
        [1, 8, 1], // label 2 → cluster 1
        [0, 2, 9], // label 0 → cluster 2
        [7, 0, 3], // label 1 → cluster 0
      ],
    };
    const o = orderConfusion(m);
    expect(o.labels).toEqual([0, 1, 2]);
    expect(o.clusters).toEqual([2, 0, 1]);
    expect(o.counts).toEqual([
      [9, 0, 2],
      [3, 7, 0],
      [1, 1, 8],
    ]);
    expect(o.matchedColumn).toEqual([0, 1, 2]);
    expect(o.accuracy).toBeCloseTo(24 / 31, 12);
    expect(o.rowTotals).toEqual([11, 10, 10]);
  });

  it('gives the best one-to-one matching of labels to clusters, as brute force finds it', () => {
    /** The most images any one-to-one map of rows to columns keeps, over every such map. */
    const bruteForce = (counts: number[][], r = 0, used = new Set<number>()): number => {
      if (r === counts.length) return 0;
      let best = bruteForce(counts, r + 1, used); // row r left unmatched
      counts[r]!.forEach((n, c) => {
        if (used.has(c)) return;
        used.add(c);
        best = Math.max(best, n + bruteForce(counts, r + 1, used));
        used.delete(c);
      });
      return best;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 36, maxLength: 36 }),
        (rows, cols, cells) => {
          const counts = Array.from({ length: rows }, (_, r) => cells.slice(r * cols, (r + 1) * cols));
          const total = cells.slice(0, rows * cols).reduce((a, b) => a + b, 0);
          if (total === 0) return;
          const m = { labels: counts.map((_, r) => r), clusters: counts[0]!.map((_, c) => c), counts };
          const o = orderConfusion(m);
          expect(o.accuracy).toBeCloseTo(bruteForce(counts) / total, 12);
          // The same images, rearranged.
          expect(o.counts.flat().reduce((a, b) => a + b, 0)).toBe(total);
          expect(o.matchedColumn.filter((c) => c >= 0)).toHaveLength(Math.min(rows, cols));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('matches a rectangular matrix, leaving the extra rows unmatched', () => {
    expect(maximumAssignment([[5], [9], [1]])).toEqual([-1, 0, -1]);
    expect(maximumAssignment([[1, 7, 3]])).toEqual([1]);
  });
});

describe('figures as a researcher reads them', () => {
  it('lists probe budgets codes beside pixels, and leaves no figure unshown', () => {
    const probe = (features: 'codes' | 'pixels', n: number, mean: number) => ({
      features,
      labelsPerClass: n,
      trainSize: 10 * n,
      accuracies: [mean],
      meanAccuracy: mean,
      stdAccuracy: 0.01,
    });
    const e = {
      figures: { probe_10_acc: 0.6, pixels_probe_10_acc: 0.5, probe_100_acc: 0.8, mig: 0.1, iw_nll: 90, spectral_acc: 0.7 },
      details: { probes: [probe('codes', 10, 0.6), probe('pixels', 10, 0.5), probe('codes', 100, 0.8)] },
    };
    const rows = probeRows(e);
    expect(rows.map((r) => [r.labelsPerClass, r.codes?.meanAccuracy, r.pixels?.meanAccuracy])).toEqual([
      [10, 0.6, 0.5],
      [100, 0.8, undefined],
    ]);
    expect(otherFigures(e)).toEqual([['spectral_acc', 0.7]]);
    expect(percentSpread(0.7843, 0.0121)).toBe('78.4 ± 1.2 %');
    expect(points(0.052)).toBe('+5.2 pp');
    expect(points(-0.01)).toBe('−1.0 pp');
  });

  it('colours a heat map from the dark panel to near white, and in the light theme from near white to navy', () => {
    expect(heatColor(0)).toBe('#20242a');
    expect(heatColor(1)).toBe('#f2f8ff');
    expect(heatColor(Number.NaN)).toBe('#20242a');
    // An empty cell is near the light panel, not a black square on it; its count in dark ink.
    expect(heatColor(0, 'light')).toBe('#f1f4f8');
    expect(heatColor(1, 'light')).toBe('#0f2d52');
    expect(heatInk(0, 'light')).toBe('#0b1320');
    expect(heatInk(1, 'light')).toBe('#e6e8eb');
    expect(heatInk(0)).toBe('#e6e8eb');
  });
});

describe('the list of evaluations, read while events arrive', () => {
  const at = (id: number, status: Evaluation['status']): Evaluation => ({
    id,
    runId: 1,
    what: ['clustering'],
    settings: {},
    seed: 0,
    epoch: 3,
    status,
    figures: {},
    details: {},
    error: null,
    createdAt: '2026-12-06T00:00:00Z',
    endedAt: null,
  });
  it('keeps a status an event moved on since the list was read, and takes what the list moved on', () => {
    // Shown as running (its event came after the list was read as queued): it stays running, not queued again.
    const merged = mergeEvaluations([at(1, 'queued'), at(2, 'completed'), at(3, 'queued')], [at(1, 'running'), at(2, 'running')]);
    expect(merged.map((e) => e.status)).toEqual(['running', 'completed', 'queued']);
  });
});

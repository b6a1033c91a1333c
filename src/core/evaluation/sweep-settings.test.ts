import { describe, expect, it } from 'vitest';
import { defaultDisentanglementPoints } from '../../shared/evaluation-kinds';
import type { SweepSpec } from '../../shared/sweep';
import { sweepRunEvaluation, withPinnedEvaluation } from './sweep-settings';

describe('a sweep’s disentanglement rows, alike for all its runs', () => {
  const spec = (evaluate: SweepSpec['evaluate']): SweepSpec =>
    ({ name: 's', base: {}, method: 'grid', parameters: {}, ...(evaluate ? { evaluate } : {}) }) as SweepSpec;

  it('stores the points of the day where it scores disentanglement, and what it was given as it was', () => {
    expect(withPinnedEvaluation(spec({ what: ['disentanglement'] })).evaluate).toEqual({
      what: ['disentanglement'],
      disentanglementPoints: defaultDisentanglementPoints,
    });
    expect(
      withPinnedEvaluation(spec({ what: ['disentanglement'], disentanglementPoints: 500 })).evaluate?.disentanglementPoints,
    ).toBe(500);
    expect(
      withPinnedEvaluation(spec({ what: ['disentanglement'], disentanglementPoints: null })).evaluate?.disentanglementPoints,
    ).toBe(null);
    expect(withPinnedEvaluation(spec({ what: ['clustering'] })).evaluate).toEqual({ what: ['clustering'] });
    expect(withPinnedEvaluation(spec(undefined)).evaluate).toBeUndefined();
  });

  it('scores a sweep stored before the choice on the test split, as its earlier runs were', () => {
    expect(sweepRunEvaluation({ what: ['disentanglement'] }).disentanglementPoints).toBe(null);
    expect(sweepRunEvaluation({ what: ['disentanglement'], disentanglementPoints: 800 }).disentanglementPoints).toBe(800);
    expect(sweepRunEvaluation({ what: ['clustering'] })).toEqual({ what: ['clustering'] });
  });
});

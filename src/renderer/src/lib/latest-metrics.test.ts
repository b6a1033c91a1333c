import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { mergeLatest, mergeMetricRecord, newestPoints } from './latest-metrics';

const p = (step: number, name: string, value: number, split: 'train' | 'test' = 'test'): MetricPoint => ({
  step,
  epoch: step,
  split,
  name,
  value,
});

describe('latest metrics from events', () => {
  it('keeps the newest step of each split and name', () => {
    const newest = newestPoints([p(1, 'loss', 3), p(3, 'loss', 1), p(2, 'loss', 2), p(1, 'loss', 9, 'train')]);
    expect(newest.get('test.loss')?.value).toBe(1);
    expect(newest.get('train.loss')?.value).toBe(9);
  });
  it('folds points into a run’s latest, never going back in steps, and keeps the array when nothing moved', () => {
    const latest = [{ split: 'test' as const, name: 'loss', value: 1, step: 5 }];
    expect(mergeLatest(latest, [p(4, 'loss', 7)])).toBe(latest);
    expect(mergeLatest(latest, [p(5, 'loss', 1)])).toBe(latest);
    expect(mergeLatest(latest, [p(6, 'loss', 0.5), p(6, 'kl', 2)])).toEqual([
      { split: 'test', name: 'loss', value: 0.5, step: 6 },
      { split: 'test', name: 'kl', value: 2, step: 6 },
    ]);
  });
  it('patches a table row’s metric record', () => {
    const record = { 'test.loss': 1 };
    expect(mergeMetricRecord(record, [p(2, 'loss', 1)])).toBe(record);
    expect(mergeMetricRecord(record, [p(2, 'loss', 0.5), p(2, 'mse', 0.1)])).toEqual({ 'test.loss': 0.5, 'test.mse': 0.1 });
  });
});

import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../shared/api';
import { withLivePoints } from './metrics';

const point = (step: number, name = 'loss', split: MetricPoint['split'] = 'train'): MetricPoint => ({
  step,
  epoch: step / 10,
  split,
  name,
  value: 1 / step,
});

describe('a running run’s metrics read again', () => {
  it('keeps the points streamed in during the read that the read does not hold, each once', () => {
    const stored = [point(1), point(2), point(2, 'mse', 'test')];
    const live = [point(2), point(3), point(2, 'mse', 'test'), point(3, 'mse', 'test')];
    expect(withLivePoints(stored, live)).toEqual([...stored, point(3), point(3, 'mse', 'test')]);
    expect(withLivePoints(stored, [point(1)])).toBe(stored);
  });
});

import { describe, expect, it } from 'vitest';
import { resultMetrics } from './follow';

describe("train's result line", () => {
  it('lists a per-dimension set under its prefix, dimension 0 first, and keeps every other metric by name', () => {
    const latest = [
      { split: 'test', name: 'kl_dim_10', value: 0.5 },
      { split: 'test', name: 'kl_dim_2', value: 2 },
      { split: 'test', name: 'kl_dim_0', value: 3 },
      { split: 'test', name: 'kl_dim_1', value: 1 },
      { split: 'test', name: 'kl', value: 6.5 },
      { split: 'test', name: 'kl_dimension_note', value: 7 },
      { split: 'train', name: 'loss', value: 0.1 },
      { split: 'train', name: 'batch_loss', value: 0.2 },
    ];
    expect(resultMetrics(latest, 'test', ['kl_dim_'])).toEqual({
      kl: 6.5,
      kl_dimension_note: 7,
      kl_dim: [3, 1, 2, 0.5],
    });
    expect(resultMetrics(latest, 'train', ['kl_dim_'])).toEqual({ loss: 0.1 });
  });
});

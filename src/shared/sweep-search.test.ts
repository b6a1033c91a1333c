import { describe, expect, it } from 'vitest';
import { epochMetricNames } from './sweep-search';

describe('the metrics a sweep can optimise', () => {
  const declared = [
    { name: 'neg_elbo', losses: ['bce', 'mse'] },
    { name: 'kl_dim_', perDimension: 'kl_dim_' },
    { name: 'cluster_acc', needs: 'labels' as const },
    { name: 'swap_mse', needs: 'twinSets' as const },
    // β so far under a KL warm-up: set by the training, not measured.
    { name: 'kl_weight', setting: true },
  ];

  it('are those every run reports: under its loss, with its validation split, on what its data set gives', () => {
    expect(epochMetricNames(declared)).toEqual([
      'test.loss',
      'train.loss',
      'test.mse',
      'test.neg_elbo',
      'test.cluster_acc',
      'test.swap_mse',
    ]);
    expect(epochMetricNames(declared, 'smoothL1', true, { labels: true, twinSets: false })).toEqual([
      'test.loss',
      'train.loss',
      'test.mse',
      'val.loss',
      'val.mse',
      'test.cluster_acc',
    ]);
    expect(epochMetricNames(declared, 'bce', false, { labels: false, twinSets: true })).toEqual([
      'test.loss',
      'train.loss',
      'test.mse',
      'test.neg_elbo',
      'test.swap_mse',
    ]);
  });

  it('at Hyperband’s rungs, leave out a figure measured once after training', () => {
    const once = [...declared, { name: 'accuracy_pretrained', afterTraining: true }];
    expect(epochMetricNames(once)).toContain('test.accuracy_pretrained');
    expect(epochMetricNames(once, undefined, false, undefined, true)).not.toContain('test.accuracy_pretrained');
  });
});

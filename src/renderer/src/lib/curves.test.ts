import { describe, expect, it } from 'vitest';
import { partSeries } from './curves';

describe("a family's parts chart", () => {
  const metrics = [1, 2].flatMap((epoch) => [
    { step: epoch * 10, epoch, split: 'test' as const, name: 'cluster_acc', value: 0.25 + epoch / 100 },
    { step: epoch * 10, epoch, split: 'test' as const, name: 'neg_elbo', value: 100 - epoch },
  ]);
  it('names each curve as the family declares it, and draws a share of 1 in %', () => {
    const declared = new Map([
      ['cluster_acc', { label: 'cluster accuracy (ACC)', format: 'percent' }],
      ['neg_elbo', { label: 'test −ELBO' }],
    ]);
    const [acc, elbo] = partSeries(metrics, ['cluster_acc', 'neg_elbo'], (name) => declared.get(name));
    expect(acc?.label).toBe('test cluster accuracy (ACC)');
    expect(acc?.points.map((p) => p.y)).toEqual([26, 27]);
    expect(elbo?.label).toBe('test −ELBO');
    expect(elbo?.points.map((p) => p.y)).toEqual([99, 98]);
    // Undeclared: its stored name, its values as they are.
    expect(partSeries(metrics, ['neg_elbo'])[0]?.label).toBe('test neg_elbo');
  });
});

import { describe, expect, it } from 'vitest';
import type { FamilyInfo } from '../../../shared/api';
import {
  defaultMetricColumns,
  filterRows,
  formatCell,
  isPerDimensionMetric,
  matchesCondition,
  sortRows,
  type Column,
  type TableRow,
} from './runs-table';

const row = (id: number, beta: number | undefined, loss: number | undefined, over: Partial<TableRow> = {}): TableRow => ({
  id,
  name: `run ${id}`,
  experiment: 'e',
  family: 'vae',
  status: 'completed',
  sweepId: null,
  createdAt: '2025-01-01T00:00:00Z',
  epochs: 5,
  config: beta === undefined ? {} : { 'model.beta': beta },
  metrics: loss === undefined ? {} : { 'test.loss': loss },
  tags: [],
  notes: '',
  starred: false,
  ...over,
});
const rows = [
  row(1, 4, 0.3),
  row(2, 0.5, undefined),
  row(3, 1, 0.1, { status: 'running', family: 'autoencoder' }),
  row(4, undefined, 0.2),
];
const beta: Column = { kind: 'field', path: 'model.beta' };
const loss: Column = { kind: 'metric', key: 'test.loss' };

describe('sortRows', () => {
  it('sorts numbers by value and keeps empty cells last in both directions', () => {
    expect(sortRows(rows, beta, 'asc').map((r) => r.id)).toEqual([2, 3, 1, 4]);
    expect(sortRows(rows, beta, 'desc').map((r) => r.id)).toEqual([1, 3, 2, 4]);
    expect(sortRows(rows, loss, 'asc').map((r) => r.id)).toEqual([3, 4, 1, 2]);
  });
  it('sorts text naturally', () => {
    const named = [row(1, 1, 1, { name: 'b · x=10' }), row(2, 1, 1, { name: 'b · x=9' })];
    expect(sortRows(named, { kind: 'name' }, 'asc').map((r) => r.id)).toEqual([2, 1]);
  });
});

describe('filterRows', () => {
  it('filters by status, family and a condition on a column', () => {
    expect(filterRows(rows, { status: 'running' }).map((r) => r.id)).toEqual([3]);
    expect(filterRows(rows, { family: 'vae' }).map((r) => r.id)).toEqual([1, 2, 4]);
    expect(filterRows(rows, { column: beta, value: '>= 1' }).map((r) => r.id)).toEqual([1, 3]);
    expect(filterRows(rows, { column: beta, value: '0.5' }).map((r) => r.id)).toEqual([2]);
    expect(filterRows(rows, { column: loss, value: '<0.25' }).map((r) => r.id)).toEqual([3, 4]);
    expect(filterRows(rows, { column: beta, value: '' }).length).toBe(4);
  });
  it('matches text by containment, equality with =, and excludes with !=', () => {
    expect(matchesCondition('relu', 'rel')).toBe(true);
    expect(matchesCondition('relu', '=rel')).toBe(false);
    expect(matchesCondition('relu', '!= relu')).toBe(false);
    expect(matchesCondition(2, '!=3')).toBe(true);
    expect(matchesCondition(undefined, '>1')).toBe(false);
    expect(matchesCondition(12, '2')).toBe(false);
  });
});

describe('metric columns', () => {
  const families = [
    {
      id: 'vae',
      metrics: [
        { name: 'neg_elbo', label: '−ELBO', headline: true },
        { name: 'kl_per_dim', label: 'KL', perDimension: 'kl_dim_' },
      ],
    },
    { id: 'vq-vae', metrics: [{ name: 'perplexity', label: 'perplexity', headline: true }] },
  ] as unknown as FamilyInfo[];
  it('opens with the test loss and the headline figures of the families in the table', () => {
    expect(defaultMetricColumns(['test.loss', 'test.neg_elbo', 'test.perplexity', 'train.loss'], families, ['vae'])).toEqual([
      'test.loss',
      'test.neg_elbo',
    ]);
  });
  it('shows a headline figure of each evaluation some run has had, without being picked', () => {
    const metrics = ['test.loss', 'eval.kmeans_acc', 'eval.kmeans_nmi', 'eval.gmm_acc', 'eval.mig', 'eval.sap'];
    expect(defaultMetricColumns(metrics, families, ['vae'])).toEqual(['test.loss', 'eval.kmeans_acc', 'eval.mig']);
  });
  it('ends with how long each run trained, where some run has ended', () => {
    expect(defaultMetricColumns(['run.training_seconds', 'test.loss', 'test.neg_elbo'], families, ['vae'])).toEqual([
      'test.loss',
      'test.neg_elbo',
      'run.training_seconds',
    ]);
  });
  it('knows a per-dimension metric', () => {
    expect(isPerDimensionMetric('test.kl_dim_3', families)).toBe(true);
    expect(isPerDimensionMetric('test.kl', families)).toBe(false);
  });
  it('formats cells shortly', () => {
    expect(formatCell(0.000123456)).toBe('0.0001235');
    expect(formatCell(6000)).toBe('6000');
    expect(formatCell([7, 7])).toBe('[7,7]');
    expect(formatCell(null)).toBe('–');
  });
});

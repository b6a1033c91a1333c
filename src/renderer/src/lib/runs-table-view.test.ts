import { describe, expect, it } from 'vitest';
import type { FamilyInfo, RunsTable, SweepDetail } from '../../../shared/api';
import type { TableRow } from './runs-table';
import {
  applyRunMetrics,
  applyRunStatus,
  csvFileName,
  dropRun,
  familiesOfRows,
  filterColumnOf,
  waitsOnSlurm,
  hiddenSelected,
  isNumericColumn,
  liveSweepCounts,
  splitMetricChoices,
  metricLongName,
  metricCellShown,
  metricCellText,
  nextSort,
  selectionInOrder,
  shownRows,
  slurmStateCounts,
  tableColumns,
  toggleMetricKey,
  unsetCellText,
} from './runs-table-view';

const row = (id: number, over: Partial<TableRow> = {}): TableRow => ({
  id,
  name: `run ${id}`,
  experiment: 'e',
  family: 'vae',
  status: 'completed',
  sweepId: 7,
  createdAt: '2025-01-01T00:00:00Z',
  epochs: 5,
  config: { 'model.beta': id },
  metrics: { 'test.loss': id / 10 },
  tags: [],
  notes: '',
  starred: false,
  ...over,
});
const table = (rows: TableRow[]): RunsTable => ({ fields: ['model.beta'], swept: ['model.beta'], metrics: ['test.loss'], rows });
const families = [
  {
    id: 'vae',
    metrics: [
      { name: 'neg_elbo', label: 'test −ELBO', unit: 'nats', headline: true },
      { name: 'active', label: 'active units', format: 'count' },
      { name: 'kl_per_dim', label: 'KL', perDimension: 'kl_dim_' },
    ],
  },
] as unknown as FamilyInfo[];

describe('columns and the metric picker', () => {
  it('lists the run’s facts, the chosen metrics, then the differing fields', () => {
    expect(tableColumns(['model.beta', 'training.lr'], ['test.loss', 'test.mse'])).toEqual([
      { kind: 'id' },
      { kind: 'name' },
      { kind: 'status' },
      { kind: 'family' },
      { kind: 'metric', key: 'test.loss' },
      { kind: 'metric', key: 'test.mse' },
      { kind: 'field', path: 'model.beta' },
      { kind: 'field', path: 'training.lr' },
    ]);
  });
  it('puts the fields a sweep varied before the metrics, and how long each run trained after them', () => {
    const metrics = ['run.training_seconds', 'test.loss'];
    expect(tableColumns(['model.beta', 'training.lr'], metrics, ['model.beta']).slice(4)).toEqual([
      { kind: 'field', path: 'model.beta' },
      { kind: 'metric', key: 'test.loss' },
      { kind: 'metric', key: 'run.training_seconds' },
      { kind: 'field', path: 'training.lr' },
    ]);
  });
  it('lists the rows’ families once each', () => {
    expect(familiesOfRows([row(1), row(2, { family: 'vq-vae' }), row(3)])).toEqual(['vae', 'vq-vae']);
  });
  it('keeps the per-dimension metrics apart', () => {
    expect(splitMetricChoices(['test.loss', 'test.kl_dim_0', 'test.kl_dim_1'], families)).toEqual({
      main: ['test.loss'],
      perDimension: ['test.kl_dim_0', 'test.kl_dim_1'],
    });
  });
  it('toggles a metric keeping the table’s order', () => {
    const all = ['test.loss', 'test.neg_elbo', 'train.loss'];
    expect(toggleMetricKey(all, ['train.loss'], 'test.loss', true)).toEqual(['test.loss', 'train.loss']);
    expect(toggleMetricKey(all, ['test.loss', 'train.loss'], 'test.loss', false)).toEqual(['train.loss']);
  });
  it('filters only on fields and metrics, shown or not', () => {
    expect(filterColumnOf('field:model.beta')).toEqual({ kind: 'field', path: 'model.beta' });
    // A metric the picker hid after the filter was set: the filter still holds (it turned off without a word).
    expect(filterColumnOf('metric:test.loss')).toEqual({ kind: 'metric', key: 'test.loss' });
    expect(filterColumnOf('name')).toBeUndefined();
    expect(filterColumnOf('')).toBeUndefined();
  });
});

describe('sorting and selection', () => {
  it('turns the sorted column around; another sorts ascending, the id descending', () => {
    expect(nextSort({ key: 'id', direction: 'desc' }, { kind: 'id' })).toEqual({ key: 'id', direction: 'asc' });
    expect(nextSort({ key: 'id', direction: 'asc' }, { kind: 'metric', key: 'test.loss' })).toEqual({
      key: 'metric:test.loss',
      direction: 'asc',
    });
    expect(nextSort({ key: 'name', direction: 'asc' }, { kind: 'id' })).toEqual({ key: 'id', direction: 'desc' });
  });
  it('shows the filtered rows sorted, by the id where the sorted column is gone', () => {
    const rows = [row(1), row(2, { status: 'failed' }), row(3)];
    const columns = tableColumns(['model.beta'], []);
    const ids = (r: TableRow[]) => r.map((x) => x.id);
    expect(ids(shownRows(rows, columns, { status: 'completed' }, { key: 'field:model.beta', direction: 'asc' }))).toEqual([1, 3]);
    expect(ids(shownRows(rows, columns, {}, { key: 'metric:gone', direction: 'desc' }))).toEqual([3, 2, 1]);
  });
  it('orders a selection as the table shows it, hidden ones last', () => {
    const selected = new Set([5, 1, 3]);
    expect(selectionInOrder([3, 2, 1], selected)).toEqual([3, 1, 5]);
    expect(hiddenSelected([3, 2, 1], selected)).toBe(1);
  });
});

describe('live updates', () => {
  it('patches a run’s status and reads the table again when it ends or is new', () => {
    const t = table([row(1, { status: 'running' })]);
    const running = applyRunStatus(t, 1, 'running', 7);
    expect(running.table?.rows[0]?.status).toBe('running');
    expect(running.table).not.toBe(t);
    expect(running).toMatchObject({ reloadTable: false, reloadSweep: true });
    const done = applyRunStatus(t, 1, 'completed', undefined);
    expect(done.table?.rows[0]?.status).toBe('completed');
    expect(done).toMatchObject({ reloadTable: true, reloadSweep: false });
    const unseen = applyRunStatus(t, 9, 'queued', 3);
    expect(unseen).toEqual({ table: t, reloadTable: true, reloadSweep: true });
    expect(applyRunStatus(t, 1, 'running', 3).reloadSweep).toBe(false);
    expect(applyRunStatus(null, 1, 'running', undefined)).toEqual({ table: null, reloadTable: true, reloadSweep: false });
  });
  it('drops a deleted run’s row, and keeps the table where it has no such row', () => {
    const t = table([row(1), row(2)]);
    expect(dropRun(t, 1)?.rows.map((r) => r.id)).toEqual([2]);
    expect(dropRun(t, 5)).toBe(t);
    expect(dropRun(null, 1)).toBeNull();
  });
  it('folds metric points into a row, listing new metrics last', () => {
    const t = table([row(1)]);
    const point = (name: string, value: number, step = 10) => ({ step, epoch: 1, split: 'test' as const, name, value });
    const next = applyRunMetrics(t, 1, [point('loss', 0.05), point('kl', 2)]);
    expect(next?.rows[0]?.metrics).toEqual({ 'test.loss': 0.05, 'test.kl': 2 });
    expect(next?.metrics).toEqual(['test.loss', 'test.kl']);
    expect(applyRunMetrics(t, 1, [])).toBe(t);
    expect(applyRunMetrics(t, 2, [point('loss', 1)])).toBe(t);
    expect(applyRunMetrics(null, 1, [point('loss', 1)])).toBeNull();
  });
  it('counts the sweep from its rows once the table holds them all', () => {
    const sweep = { total: 2, counts: { queued: 2 } } as unknown as SweepDetail;
    expect(liveSweepCounts(sweep, [row(1)])).toBe(sweep);
    expect(liveSweepCounts(null, [])).toBeNull();
    expect(liveSweepCounts(sweep, [row(1), row(2, { status: 'running' })])?.counts).toEqual({
      queued: 0,
      running: 1,
      completed: 1,
      failed: 0,
      cancelled: 0,
      interrupted: 0,
      stopped: 0,
    });
  });
  it('counts squeue’s states and follows Slurm while a task waits or trains', () => {
    const slurm = (state: string) => ({ jobId: '12', taskId: 0, state });
    const rows = [row(1, { slurm: slurm('PENDING'), status: 'queued' }), row(2, { slurm: slurm('PENDING') }), row(3)];
    expect(slurmStateCounts(rows)).toEqual({ PENDING: 2 });
    expect(waitsOnSlurm(rows)).toBe(true);
    expect(waitsOnSlurm(rows.slice(1))).toBe(false);
  });
});

describe('cells', () => {
  it('formats a declared test metric as its family says, anything else as a number', () => {
    const r = row(1, { metrics: { 'test.active': 3.2, 'train.active': 3.2, 'test.other': 0.5 } });
    expect(metricCellText(r, 'test.active', families)).toBe('3');
    expect(metricCellText(r, 'train.active', families)).toBe('3.2000');
    expect(metricCellText(r, 'test.other', families)).toBe('0.5000');
    expect(metricCellText(r, 'test.missing', families)).toBe('–');
  });
  it('gives the time a run trained as a duration', () => {
    const r = row(1, { metrics: { 'run.training_seconds': 192.4 } });
    expect(metricCellText(r, 'run.training_seconds', families)).toBe('3m 12s');
    expect(metricCellText(row(2), 'run.training_seconds', families)).toBe('–');
    expect(metricLongName('run.training_seconds', families)).toMatch(/^time spent training \(s\)/);
  });
  it('names a declared metric with its split and unit', () => {
    expect(metricLongName('test.neg_elbo', families)).toBe('test −ELBO (nats)');
    expect(metricLongName('train.active', families)).toBe('train active units');
    expect(metricLongName('test.loss', families)).toBeUndefined();
    // One dimension of a set, as the explorer's sliders number them (from 1).
    expect(metricLongName('test.kl_dim_0', families)).toBe('test KL, z1');
    expect(metricLongName('test.kl_dim_11', families)).toBe('test KL, z12');
  });
  it('right-aligns the id, the metrics and the numeric fields', () => {
    const first = row(1, { config: { 'model.beta': 1, 'model.act': 'relu' } });
    expect(isNumericColumn({ kind: 'id' }, first)).toBe(true);
    expect(isNumericColumn({ kind: 'name' }, first)).toBe(false);
    expect(isNumericColumn({ kind: 'metric', key: 'test.loss' }, first)).toBe(true);
    expect(isNumericColumn({ kind: 'field', path: 'model.beta' }, first)).toBe(true);
    expect(isNumericColumn({ kind: 'field', path: 'model.act' }, first)).toBe(false);
  });
  it('names the CSV after the sweep or experiment', () => {
    expect(csvFileName('β sweep / 2')).toBe('-sweep-2.csv');
    expect(csvFileName('vae-mnist.v2')).toBe('vae-mnist.v2.csv');
  });
});

describe('a column filter reads what is typed as the cells show it', () => {
  const acc = (id: number, v: number) =>
    row(id, { metrics: { 'test.cluster_acc': v, 'eval.kmeans_acc': v, 'run.training_seconds': id * 100 } });
  const clusterFamilies = [
    { id: 'vae', metrics: [{ name: 'cluster_acc', label: 'ACC', format: 'percent' }] },
  ] as unknown as FamilyInfo[];
  const rows = [acc(1, 0.7), acc(2, 0.812), acc(3, 0.95)];
  const filtered = (key: string, value: string, config: Record<string, number> = {}) =>
    shownRows(
      rows.map((r) => ({ ...r, config: { ...r.config, ...config } })),
      [],
      { column: key.startsWith('field:') ? { kind: 'field', path: key.slice(6) } : { kind: 'metric', key }, value },
      { key: 'id', direction: 'asc' },
      clusterFamilies,
    ).map((r) => r.id);

  it('a percentage as a percentage, whether the family or the evaluation declares it', () => {
    // The cells read 70.0 %, 81.2 % and 95.0 %: "> 80" dropped every row when it compared with 0.812.
    expect(metricCellText(rows[1]!, 'test.cluster_acc', clusterFamilies)).toBe('81.2 %');
    expect(filtered('test.cluster_acc', '> 80')).toEqual([2, 3]);
    expect(filtered('test.cluster_acc', '<= 81.2 %')).toEqual([1, 2]);
    expect(metricCellText(rows[1]!, 'eval.kmeans_acc', clusterFamilies)).toBe('81.2 %');
    expect(filtered('eval.kmeans_acc', '>80')).toEqual([2, 3]);
    expect(filtered('eval.kmeans_acc', '81.2')).toEqual([2]);
  });

  it('compares with what a cell shows as equal to what is typed', () => {
    // 0.81249 shows as 81.2 %: "= 81.2" keeps it, so "<= 81.2" must too, and "> 81.2" must not.
    const shownAs = [row(1, { metrics: { 'test.cluster_acc': 0.81249, 'run.training_seconds': 303.4 } })];
    const only = (key: string, value: string) =>
      shownRows(shownAs, [], { column: { kind: 'metric', key }, value }, { key: 'id', direction: 'asc' }, clusterFamilies).length;
    expect([only('test.cluster_acc', '= 81.2'), only('test.cluster_acc', '<= 81.2'), only('test.cluster_acc', '> 81.2')]).toEqual(
      [1, 1, 0],
    );
    // 0.81151 shows as 81.2 % too, from below: ">= 81.2" keeps it and "< 81.2" drops it.
    const below = [row(2, { metrics: { 'test.cluster_acc': 0.81151 } })];
    const of = (value: string) =>
      shownRows(
        below,
        [],
        { column: { kind: 'metric', key: 'test.cluster_acc' }, value },
        { key: 'id', direction: 'asc' },
        clusterFamilies,
      ).length;
    expect([of('>= 81.2'), of('< 81.2'), of('= 81.2')]).toEqual([1, 0, 1]);
    // 303.4 s shows as 5m 03s: typing that finds it.
    expect([
      only('run.training_seconds', '5m 03s'),
      only('run.training_seconds', '!= 5m 03s'),
      only('run.training_seconds', '<= 5m 3s'),
    ]).toEqual([1, 0, 1]);
  });

  it('a duration as a duration, and a number as the cell shows it', () => {
    // 100 s, 200 s, 300 s.
    expect(filtered('run.training_seconds', '< 4m')).toEqual([1, 2]);
    expect(filtered('run.training_seconds', '>= 1m 40s')).toEqual([1, 2, 3]);
    expect(filtered('run.training_seconds', '> 150')).toEqual([2, 3]);
    // A learning rate of 0.000312345 shows as 0.0003123, and typing what is shown finds it; the exact value too.
    expect(filtered('field:training.learningRate', '0.0003123', { 'training.learningRate': 0.000312345 })).toEqual([1, 2, 3]);
    expect(filtered('field:training.learningRate', '0.000312345', { 'training.learningRate': 0.000312345 })).toEqual([1, 2, 3]);
    expect(filtered('field:training.learningRate', '0.0003', { 'training.learningRate': 0.000312345 })).toEqual([]);
  });

  it('names an evaluation column as its panel does', () => {
    expect(metricLongName('eval.kmeans_acc', families)).toMatch(/^evaluation: k-means on the codes: clustering accuracy/);
    expect(metricLongName('eval.probe_100_acc', families)).toBe(
      'evaluation: linear probe on the codes, 100 labels per class: test accuracy',
    );
    expect(metricCellText(row(1, { metrics: { 'eval.mig': 0.12345 } }), 'eval.mig', families)).toBe('0.123');
  });
});

describe('an evaluation of an older checkpoint', () => {
  it('names its epoch beside its figure', () => {
    const row = {
      id: 1,
      family: 'autoencoder',
      metrics: { 'eval.kmeans_acc': 0.5, 'eval.mig': 0.25 },
      staleEvaluations: { 'eval.kmeans_acc': 3 },
    } as unknown as Parameters<typeof metricCellText>[0];
    expect(metricCellText(row, 'eval.kmeans_acc', [])).toMatch(/^50(\.0)? ?% \(epoch 3\)$/);
    expect(metricCellText(row, 'eval.mig', [])).not.toContain('epoch');
  });
});

describe('a run that ended before its last epoch', () => {
  it('names the epoch its figures are of, and is filtered by the figure', () => {
    const stopped = row(1, { status: 'stopped', endedAtEpoch: 2, metrics: { 'test.neg_elbo': 201.0512, 'eval.mig': 0.1 } });
    const done = row(2, { metrics: { 'test.neg_elbo': 190.5 } });
    expect(metricCellShown(stopped, 'test.neg_elbo', families)).toBe('201.05 (epoch 2)');
    // An evaluation has its own epoch (staleEvaluations), and a missing figure stays a dash.
    expect(metricCellShown(stopped, 'eval.mig', families)).not.toContain('epoch');
    expect(metricCellShown(stopped, 'test.kl', families)).toBe('–');
    expect(metricCellShown(done, 'test.neg_elbo', families)).toBe('190.50');
    const metric = { kind: 'metric', key: 'test.neg_elbo' } as const;
    const kept = (value: string) =>
      shownRows([stopped, done], [metric], { column: metric, value }, { key: 'id', direction: 'asc' }, families).map((r) => r.id);
    expect(kept('201.05')).toEqual([1]);
    expect(kept('> 195')).toEqual([1]);
  });
});

describe('a field a run leaves unset', () => {
  // Runs 1 and 3 set no weight decay (0) and no clip norm (off), as the cells show.
  const rows = [
    row(1, { config: {} }),
    row(2, { config: { 'training.weightDecay': 0.01, 'training.clipNorm': 1 } }),
    row(3, { config: {} }),
    row(4, { config: { 'training.weightDecay': 0.0001 } }),
  ];
  const field = (path: string) => ({ kind: 'field', path }) as const;
  const ids = (path: string, value: string, direction: 'asc' | 'desc' = 'asc') =>
    shownRows(rows, [field(path)], { column: field(path), value }, { key: `field:${path}`, direction }, families).map(
      (r) => r.id,
    );

  it('is shown as what that means', () => {
    expect(unsetCellText(rows[0]!, 'training.weightDecay', families)).toBe('0');
    expect(unsetCellText(rows[0]!, 'training.clipNorm', families)).toBe('off');
    expect(unsetCellText(rows[1]!, 'training.clipNorm', families)).toBeUndefined();
  });

  it('sorts among the others as its meaning, a number among the numbers', () => {
    // Unset read as empty went last whichever the direction: a weight decay of 0 sorted above 0.01.
    expect(ids('training.weightDecay', '')).toEqual([3, 1, 4, 2]);
    expect(ids('training.weightDecay', '', 'desc')).toEqual([2, 4, 3, 1]);
  });

  it('passes a filter on what it means', () => {
    expect(ids('training.weightDecay', '= 0')).toEqual([3, 1]);
    expect(ids('training.weightDecay', '< 0.001')).toEqual([3, 1, 4]);
    expect(ids('training.clipNorm', 'off')).toEqual([4, 3, 1]);
    expect(ids('training.clipNorm', '!= off')).toEqual([2]);
  });
});

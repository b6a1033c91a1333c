import {
  finishedStatuses,
  RunStatus,
  trainingSecondsKey,
  type FamilyInfo,
  type MetricPoint,
  type RunsTable,
  type RunSummary,
  type SweepDetail,
} from '../../../shared/api';
import { perDimensionOf } from '../../../shared/runs-table';
import { noMatchText, searchHints } from '../../../shared/search';
import { evaluationFigure } from './evaluation';
import { duration, num } from './format';
import { mergeMetricRecord } from './latest-metrics';
import { formatMetric } from './metrics';
import { unsetMeaning, valueOrMeaning } from '../../../shared/config-unset';
import {
  cellValue,
  columnKey,
  columnTitle,
  filterRows,
  formatCell,
  isPerDimensionMetric,
  sortRows,
  type Cell,
  type CellView,
  type Column,
  type RowFilter,
  type TableRow,
} from './runs-table';

/**
 * The runs table view's pure parts: its columns, the metric picker's choices, the sort a header click makes, the
 * live patches of its rows from events, the sweep's counts from its rows, and how its cells read.
 */

export type SortDirection = 'asc' | 'desc';

export interface SortState {
  key: string;
  direction: SortDirection;
}

/** The families of the rows, each once, in the order they first appear. */
export function familiesOfRows(rows: readonly TableRow[]): string[] {
  return [...new Set(rows.map((r) => r.family))];
}

/**
 * The columns: the run's own facts, the fields a sweep varied, the chosen metrics (how long each run trained the
 * last of them), then the other config fields that differ. The metrics come before those: two families differ in two
 * dozen fields, which would push the figures a table is read for off the screen; a sweep's few fields are what its
 * figures are read against.
 */
export function tableColumns(fields: readonly string[], metricKeys: readonly string[], swept: readonly string[] = []): Column[] {
  const field = (path: string): Column => ({ kind: 'field', path });
  const metric = (key: string): Column => ({ kind: 'metric', key });
  return [
    { kind: 'id' },
    { kind: 'name' },
    { kind: 'status' },
    { kind: 'family' },
    ...fields.filter((f) => swept.includes(f)).map(field),
    ...metricKeys.filter((k) => k !== trainingSecondsKey).map(metric),
    ...metricKeys.filter((k) => k === trainingSecondsKey).map(metric),
    ...fields.filter((f) => !swept.includes(f)).map(field),
  ];
}

/** The metric picker's choices: the main metrics, and those of a per-dimension set kept apart. */
export function splitMetricChoices(
  metrics: readonly string[],
  families: readonly FamilyInfo[],
): { main: string[]; perDimension: string[] } {
  return {
    main: metrics.filter((k) => !isPerDimensionMetric(k, families)),
    perDimension: metrics.filter((k) => isPerDimensionMetric(k, families)),
  };
}

/** The chosen metrics with one turned on or off, in the order the table lists them in. */
export function toggleMetricKey(all: readonly string[], current: readonly string[], key: string, on: boolean): string[] {
  const next = on ? [...current, key] : current.filter((k) => k !== key);
  // Keep the order the table lists them in.
  return all.filter((k) => next.includes(k));
}

/** The sort after a click on a column's header: the sorted column turns around; another sorts ascending, the id descending. */
export function nextSort(sort: SortState, c: Column): SortState {
  const key = columnKey(c);
  if (key === sort.key) return { key, direction: sort.direction === 'asc' ? 'desc' : 'asc' };
  return { key, direction: c.kind === 'id' ? 'desc' : 'asc' };
}

/**
 * The column a filter names by key (a field or a metric; undefined for another key): named by the key alone, so a
 * filter on a column the metric picker then hides goes on filtering (the toolbar says it is hidden).
 */
export function filterColumnOf(key: string): Column | undefined {
  if (key.startsWith('field:')) return { kind: 'field', path: key.slice('field:'.length) };
  if (key.startsWith('metric:')) return { kind: 'metric', key: key.slice('metric:'.length) };
  return undefined;
}

/** The filters in force, each in words (`status failed`, `test.loss < 100`), for the table's empty state. */
export function activeFilters(
  f: { search: string; status: string; family: string; column: Column | undefined; value: string },
  familyLabel: (id: string) => string,
): string[] {
  return [
    ...(f.search.trim() ? [`search “${f.search.trim()}”`] : []),
    ...(f.status ? [`status ${f.status}`] : []),
    ...(f.family ? [`family ${familyLabel(f.family)}`] : []),
    ...(f.column && f.value.trim() ? [`${columnTitle(f.column)} ${f.value.trim()}`] : []),
  ];
}

/** What the table says when no row passes: the search's own help when it is the only filter, else every filter. */
export function noMatchMessage(active: readonly string[], search: string, rows: readonly TableRow[]): string {
  const total = rows.length;
  if (active.length === 1 && search.trim()) return noMatchText(search, total, searchHints(search, rows));
  return `No run of ${total} passes the filters: ${active.join(', ')}.`;
}

/** What the filter's value box suggests for a column: in the units its cells show. */
export function filterPlaceholder(rows: readonly TableRow[], c: Column | undefined, families: readonly FamilyInfo[]): string {
  if (!c) return '';
  const r = rows.find((row) => cellValue(row, c) !== undefined);
  const view = r ? cellView(r, c, families) : undefined;
  if (view?.duration) return 'e.g. < 5m, >= 1h 30m';
  if (view?.scale === 100) return 'e.g. > 80 (in %, as shown)';
  return 'e.g. 2, >0.5, != relu';
}

/** The rows the filters let through (a condition read as the cells show their values), sorted by the column named (by the id where it is gone). */
export function shownRows(
  rows: readonly TableRow[],
  columns: readonly Column[],
  filter: RowFilter,
  sort: SortState,
  families: readonly FamilyInfo[] = [],
): TableRow[] {
  const read = (row: TableRow, c: Column) => shownValue(row, c, families);
  const filtered = filterRows(rows, filter, (row, c) => cellView(row, c, families), read);
  const by = columns.find((c) => columnKey(c) === sort.key) ?? { kind: 'id' };
  return sortRows(filtered, by, sort.direction, read);
}

/** The selected runs in the table's order (those the filters hide after them), so a comparison lists them as read here. */
export function selectionInOrder(shownIds: readonly number[], selected: ReadonlySet<number>): number[] {
  return [...shownIds.filter((id) => selected.has(id)), ...[...selected].filter((id) => !shownIds.includes(id))];
}

/** How many selected runs the filters hide. */
export function hiddenSelected(shownIds: readonly number[], selected: ReadonlySet<number>): number {
  return selected.size - shownIds.filter((id) => selected.has(id)).length;
}

/** A `run.status` event's effect on the table: the row patched, and whether the table and the sweep are read again. */
export function applyRunStatus(
  table: RunsTable | null,
  runId: number,
  status: RunStatus,
  sweepId: number | undefined,
): { table: RunsTable | null; reloadTable: boolean; reloadSweep: boolean } {
  const i = table ? table.rows.findIndex((r) => r.id === runId) : -1;
  const row = table?.rows[i];
  return {
    table: row && table ? { ...table, rows: table.rows.with(i, { ...row, status }) } : table,
    // A run this table has not seen may belong to it; one that ended may have written its last figures.
    reloadTable: !row || finishedStatuses.includes(status),
    reloadSweep: sweepId !== undefined && (!row || row.sweepId === sweepId),
  };
}

/** The table with a `run.metrics` event's points folded into its run's row (new metrics listed last); the same table when nothing changed. */
export function applyRunMetrics(table: RunsTable | null, runId: number, points: readonly MetricPoint[]): RunsTable | null {
  const i = table ? table.rows.findIndex((r) => r.id === runId) : -1;
  const row = table?.rows[i];
  if (!row || !table) return table;
  const metrics = mergeMetricRecord(row.metrics, points);
  if (metrics === row.metrics) return table;
  const added = Object.keys(metrics).filter((k) => !table.metrics.includes(k));
  return {
    ...table,
    metrics: added.length > 0 ? [...table.metrics, ...added] : table.metrics,
    rows: table.rows.with(i, { ...row, metrics }),
  };
}

/** A `run.labels` event's effect on the table: the run's name and labels patched into its row. */
export function applyRunLabels(table: RunsTable | null, run: RunSummary): RunsTable | null {
  const i = table ? table.rows.findIndex((r) => r.id === run.id) : -1;
  const row = table?.rows[i];
  if (!row || !table) return table;
  const { name, tags, notes, starred } = run;
  return { ...table, rows: table.rows.with(i, { ...row, name, tags, notes, starred }) };
}

/** The table without a deleted run's row (the same table where it has no such row). */
export function dropRun(table: RunsTable | null, runId: number): RunsTable | null {
  if (!table?.rows.some((r) => r.id === runId)) return table;
  return { ...table, rows: table.rows.filter((r) => r.id !== runId) };
}

/**
 * The sweep's counts from its rows, which events patch at once, so the header and the table agree; the last
 * read's counts until the table holds every run of the sweep.
 */
export function liveSweepCounts(sweep: SweepDetail | null, rows: readonly TableRow[]): SweepDetail | null {
  if (!sweep || rows.length !== sweep.total) return sweep;
  const counts = Object.fromEntries(RunStatus.options.map((s) => [s, 0])) as SweepDetail['counts'];
  for (const r of rows) counts[r.status]++;
  return { ...sweep, counts };
}

/** How many of the sweep's tasks squeue last saw in each state, from the rows (those on Slurm). */
export function slurmStateCounts(rows: readonly TableRow[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of rows) if (r.slurm) counts[r.slurm.state] = (counts[r.slurm.state] ?? 0) + 1;
  return counts;
}

/** Runs waiting on or training on a Slurm cluster: squeue's states change without an event, so they are read again. */
export function waitsOnSlurm(rows: readonly TableRow[]): boolean {
  return rows.some((r) => r.slurm !== undefined && (r.status === 'queued' || r.status === 'running'));
}

/** A test metric as the run's family declares it (its format), if it does. */
function declared(row: TableRow, key: string, families: readonly FamilyInfo[]) {
  const [split, name] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
  if (split !== 'test') return undefined;
  return families.find((f) => f.id === row.family)?.metrics.find((m) => m.name === name && !m.perDimension);
}

/** An evaluation's figure (`eval.kmeans_acc`), as the evaluation panel reads it. */
const evaluated = (key: string) => (key.startsWith('eval.') ? evaluationFigure(key.slice('eval.'.length)) : undefined);

/** A metric's cell: as its family or the evaluation panel formats it, else a plain number. */
export function metricCellText(row: TableRow, key: string, families: readonly FamilyInfo[]): string {
  const v = row.metrics[key];
  if (key === trainingSecondsKey) return v === undefined ? '–' : duration(v);
  const m = declared(row, key, families);
  if (m) return formatMetric(m, v);
  const figure = evaluated(key);
  const text = figure ? figure.format(v) : num(v);
  // Of an older checkpoint than the run's final figures beside it: the epoch says so.
  const epoch = row.staleEvaluations?.[key];
  return epoch === undefined ? text : `${text} (epoch ${epoch})`;
}

/**
 * A metric's cell as the table shows it: its text, and the epoch it is of where the run ended before its last (a
 * run Hyperband stopped at a rung sits among runs that trained to their end: its figure is not their kind).
 */
export function metricCellShown(row: TableRow, key: string, families: readonly FamilyInfo[]): string {
  const text = metricCellText(row, key, families);
  const ofEpoch =
    row.endedAtEpoch !== undefined && row.metrics[key] !== undefined && !key.startsWith('eval.') && key !== trainingSecondsKey;
  return ofEpoch ? `${text} (epoch ${row.endedAtEpoch})` : text;
}

/** The schema of a row's model, which says what its unset fields mean. */
const modelSchemaOf = (row: TableRow, families: readonly FamilyInfo[]) => families.find((f) => f.id === row.family)?.modelSchema;

/**
 * What a field the row's config leaves unset means (a clip norm: off; a weight decay: 0), where its schema says; the
 * table shows it in the cell in place of a dash.
 */
export function unsetCellText(row: TableRow, path: string, families: readonly FamilyInfo[]): string | undefined {
  return row.config[path] === undefined ? unsetMeaning(path, row.config, modelSchemaOf(row, families)) : undefined;
}

/**
 * A cell's value as sorting and filtering read it: a field the run leaves unset as what that means (a weight decay's
 * 0 among the numbers, a clip norm's "off" among the words), as the cell shows it; else the value.
 */
export function shownValue(row: TableRow, c: Column, families: readonly FamilyInfo[]): Cell {
  if (c.kind !== 'field' || row.config[c.path] !== undefined) return cellValue(row, c);
  return valueOrMeaning(c.path, row.config, modelSchemaOf(row, families)) as Cell;
}

/** A cell as shown, for the filter: its text, and whether it shows a percentage or a duration. */
export function cellView(row: TableRow, c: Column, families: readonly FamilyInfo[]): CellView {
  if (c.kind === 'field') return { text: unsetCellText(row, c.path, families) ?? formatCell(cellValue(row, c)) };
  if (c.kind !== 'metric') return { text: formatCell(cellValue(row, c)) };
  const percent = declared(row, c.key, families)?.format === 'percent' || (evaluated(c.key)?.percent ?? false);
  return {
    text: metricCellShown(row, c.key, families),
    ...(percent ? { scale: 100 } : {}),
    ...(c.key === trainingSecondsKey ? { duration: true } : {}),
  };
}

/** A metric key's long name (`test −ELBO (nats)`), where some family or the evaluation panel declares it. */
export function metricLongName(key: string, families: readonly FamilyInfo[]): string | undefined {
  if (key === trainingSecondsKey) return 'time spent training (s), without the pauses and waits in the queue before a resume';
  const figure = evaluated(key);
  if (figure) return `evaluation: ${figure.title}`;
  const name = key.slice(key.indexOf('.') + 1);
  const dimension = perDimensionOf(key, families);
  const m = dimension?.set ?? families.flatMap((f) => f.metrics).find((d) => d.name === name);
  const dim = dimension ? `, ${dimension.slider}` : '';
  // A label may name its split already ("test −ELBO"): it is said once.
  return m ? `${key.split('.')[0]} ${m.label.replace(/^(test|train) /, '')}${dim}${m.unit ? ` (${m.unit})` : ''}` : undefined;
}

/** Whether a column holds numbers (right-aligned): the id, the metrics, and the fields the first row has a number in. */
export function isNumericColumn(c: Column, first: TableRow | undefined): boolean {
  return (
    c.kind === 'id' || c.kind === 'metric' || (c.kind === 'field' && typeof cellValue(first ?? ({} as TableRow), c) === 'number')
  );
}

/** The exported CSV's file name, from the sweep's or experiment's name. */
export function csvFileName(stem: string): string {
  return `${stem.replace(/[^\w.-]+/g, '-')}.csv`;
}

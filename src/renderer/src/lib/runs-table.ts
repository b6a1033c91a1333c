import { duration } from '../../../shared/duration';
import { matchesSearch, type SearchTerm } from '../../../shared/search';
import { trainingSecondsKey, type FamilyInfo, type RunStatus, type RunsTable } from '../../../shared/api';
import type { SweepValue } from '../../../shared/sweep';

export type TableRow = RunsTable['rows'][number];

/** A column of the runs table: a run's own facts, a config path, or a final metric (`split.name`). */
export type Column =
  { kind: 'id' | 'name' | 'status' | 'family' } | { kind: 'field'; path: string } | { kind: 'metric'; key: string };

/** One string per column, for sort state, filters and keyed lists: `id`, `field:model.beta`, `metric:test.loss`. */
export function columnKey(c: Column): string {
  return c.kind === 'field' ? `field:${c.path}` : c.kind === 'metric' ? `metric:${c.key}` : c.kind;
}

/** A column's header: the run's facts by name, fields by config path, metrics as `split.name` (as the CSV names them). */
export function columnTitle(c: Column): string {
  return c.kind === 'field' ? c.path : c.kind === 'metric' ? c.key : c.kind;
}

export type Cell = SweepValue | undefined;

export function cellValue(row: TableRow, c: Column): Cell {
  switch (c.kind) {
    case 'field':
      return row.config[c.path];
    case 'metric':
      return row.metrics[c.key];
    default:
      return row[c.kind];
  }
}

/** A config value in a cell: numbers short (4 significant digits), lists as JSON, missing as a dash. */
export function formatCell(v: Cell): string {
  if (v === undefined || v === null) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

/** What a cell holds for sorting and filtering: its value, or (the table's own reading) what an unset field means. */
export type CellReader = (row: TableRow, c: Column) => Cell;

/**
 * Runs ordered by one column, each cell read by `value`; numbers by value, text by natural order, and empty cells
 * last whichever the direction.
 */
export function sortRows(
  rows: readonly TableRow[],
  c: Column,
  direction: 'asc' | 'desc',
  value: CellReader = cellValue,
): TableRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  const rank = (v: Cell) => (v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)) ? 1 : 0);
  return [...rows].sort((a, b) => {
    const va = value(a, c);
    const vb = value(b, c);
    const empty = rank(va) - rank(vb);
    if (empty !== 0 || rank(va) === 1) return empty;
    if (typeof va === 'number' && typeof vb === 'number') return sign * (va - vb) || b.id - a.id;
    const text = (v: Cell) => (typeof v === 'string' ? v : JSON.stringify(v));
    return sign * text(va).localeCompare(text(vb), undefined, { numeric: true }) || b.id - a.id;
  });
}

export interface RowFilter {
  /** The search's words (src/shared/search.ts): names, tags, notes, families, `path=value`. */
  search?: readonly SearchTerm[];
  status?: RunStatus | '';
  family?: string;
  /** A column key (`field:…` or `metric:…`) and what its cell must hold. */
  column?: Column | undefined;
  /** `0.5` (equal, or contained for text), `>0.5`, `<= 1e-3`, `!= relu`. */
  value?: string;
}

/** A cell as the table shows it, so that a filter reads what the user types as they read the cell. */
export interface CellView {
  text: string;
  /** The number shown is the value times this: 100 for a percentage (81.2 % for 0.812). */
  scale?: number;
  /** Shown as a duration of the value's seconds (5m 03s): a condition may name one (90s, 5m, 1h 30m). */
  duration?: boolean;
}

/** Seconds in a duration as the table writes one or a user types it: `90s`, `5m`, `5m 03s`, `1h 30m`, `2h`. */
export function durationSeconds(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === '' || t.replace(durationPart, '').trim() !== '') return undefined;
  let seconds = 0;
  for (const [, n, unit] of t.matchAll(durationPart)) seconds += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return seconds;
}
const durationPart = /(\d+(?:\.\d+)?)\s*([hms])/g;

/** A number as typed or shown, in the cell's units (`81.2 %`, `0.31 nats` read 81.2 and 0.31); NaN for text. */
function displayedNumber(text: string): number {
  // A figure of another epoch than the row's final ones says which: "0.812 (epoch 3)".
  const bare = text
    .trim()
    .replace(/\s*\(epoch \d+(\.\d+)?\)$/, '')
    .replace(/\s*(%|nats)$/, '');
  return bare === '' ? NaN : Number(bare);
}

/**
 * Whether one cell passes a typed condition: a comparison against a number, equality, or text contained in it. With
 * the cell's `view`, the number is read in the units the cell shows (a percentage as one, a duration as one), and a
 * number equals a cell that shows it (0.0003123 a cell of 0.000312345 shown as 0.0003123).
 */
export function matchesCondition(v: Cell, condition: string, view?: CellView): boolean {
  const text = condition.trim();
  if (text === '') return true;
  const m = /^(<=|>=|!=|=|<|>)\s*(.*)$/.exec(text);
  const op = m?.[1] ?? '';
  const operand = (m?.[2] ?? text).trim();
  const shown = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  const typed = displayedNumber(operand);
  const n = view?.duration ? (durationSeconds(operand) ?? typed) : typed / (view?.scale ?? 1);
  // Equal: the value itself, or the value as its cell shows it (so "<= 81.2" keeps a cell that shows 81.2 %).
  const equal =
    typeof v === 'number' && !Number.isNaN(n)
      ? v === n || (view !== undefined && (view.duration ? duration(v) === duration(n) : displayedNumber(view.text) === typed))
      : shown.toLowerCase() === operand.toLowerCase() || (view?.text.toLowerCase() ?? '') === operand.toLowerCase();
  if (op === '<' || op === '>' || op === '<=' || op === '>=') {
    if (typeof v !== 'number' || Number.isNaN(n)) return false;
    if (op === '<=' || op === '>=') return equal || (op === '<=' ? v < n : v > n);
    return !equal && (op === '<' ? v < n : v > n);
  }
  if (op === '!=') return !equal;
  if (op === '=') return equal;
  return equal || (typeof v !== 'number' && shown.toLowerCase().includes(operand.toLowerCase()));
}

export function filterRows(
  rows: readonly TableRow[],
  filter: RowFilter,
  view?: (row: TableRow, column: Column) => CellView,
  value: CellReader = cellValue,
): TableRow[] {
  const { status, family, column, value: condition, search } = filter;
  return rows.filter(
    (r) =>
      (!search || matchesSearch(search, r)) &&
      (!status || r.status === status) &&
      (!family || r.family === family) &&
      (!column || !condition || matchesCondition(value(r, column), condition, view?.(r, column))),
  );
}

/** The evaluation figures a table shows once some row has them: one headline per kind of evaluation. */
export const headlineEvaluationFigures = [
  'eval.kmeans_acc',
  'eval.probe_100_acc',
  'eval.mig',
  'eval.factor_vae_score',
  'eval.iw_nll',
] as const;

/**
 * The metric columns a table opens with: the test loss, each family's headline figures (declared in its spec),
 * then the headline of each kind of evaluation some run has had, then how long each trained, among the metrics some
 * row has.
 */
export function defaultMetricColumns(
  metrics: readonly string[],
  families: readonly FamilyInfo[],
  rowFamilies: readonly string[],
): string[] {
  const present = new Set(metrics);
  const wanted = [
    'test.loss',
    ...families
      .filter((f) => rowFamilies.includes(f.id))
      .flatMap((f) => f.metrics.filter((m) => m.headline && !m.perDimension).map((m) => `test.${m.name}`)),
    ...headlineEvaluationFigures,
    trainingSecondsKey,
  ];
  return [...new Set(wanted)].filter((k) => present.has(k));
}

export { isPerDimensionMetric } from '../../../shared/runs-table';

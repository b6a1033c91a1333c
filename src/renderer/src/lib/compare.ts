import type { ArtifactInfo, Curve, FamilyInfo, RunsTable } from '../../../shared/api';
import { palette10 } from './palette';

/**
 * The pure parts of comparing many runs: grouping, aligning and aggregating curves, smoothing, colour scales,
 * axes (parallel coordinates, scatter), label placement and picking each run's image at an epoch.
 */

export type ConfigValue = RunsTable['rows'][number]['config'][string];
export type CompareRow = Pick<RunsTable['rows'][number], 'id' | 'name' | 'config'>;
export type MetricSplit = Curve['split'];

/** Config paths that name a run rather than configure it. */
export const bookkeepingPaths: readonly string[] = ['name', 'experiment'];
export const seedPath = 'training.seed';

// ---------------------------------------------------------------------------------------------- metrics

/** `test.kl` → { split: 'test', name: 'kl' }; undefined for a key without a known split. */
export function parseMetricKey(key: string): { split: MetricSplit; name: string } | undefined {
  const dot = key.indexOf('.');
  const split = key.slice(0, dot);
  const name = key.slice(dot + 1);
  if (dot < 0 || name === '' || (split !== 'train' && split !== 'test')) return undefined;
  return { split, name };
}

/** The metric a comparison opens on: test loss, else the first test metric, else the first. */
export function defaultMetric(metrics: readonly string[]): string | undefined {
  return metrics.includes('test.loss') ? 'test.loss' : (metrics.find((m) => m.startsWith('test.')) ?? metrics[0]);
}

/** The scatter's default axes: rate (KL) against distortion (reconstruction) when the runs have both, as for VAEs. */
export function defaultScatterAxes(metrics: readonly string[]): { x: string; y: string } | undefined {
  if (metrics.includes('test.kl') && metrics.includes('test.reconstruction')) return { x: 'test.kl', y: 'test.reconstruction' };
  const test = metrics.filter((m) => m.startsWith('test.'));
  const pool = test.length >= 2 ? test : metrics;
  const y = defaultMetric(pool);
  const x = pool.find((m) => m !== y);
  return x !== undefined && y !== undefined ? { x, y } : undefined;
}

/** Per-dimension metrics (kl_dim_3) go last: a picker lists the figures of the whole model first. */
const perDimensionName = /_\d+$/;

/** Metrics in the order a picker lists them: test before train, per-dimension ones last, otherwise as given. */
export function orderMetrics(metrics: readonly string[]): string[] {
  const rank = (m: string) => (perDimensionName.test(m) ? 2 : 0) + (m.startsWith('test.') ? 0 : 1);
  return metrics
    .map((m, i) => [m, i] as const)
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1])
    .map(([m]) => m);
}

/** A metric key in words: the label a family declares for it (test.neg_elbo → test −ELBO), else split and name. */
export function metricTitle(key: string, families: readonly Pick<FamilyInfo, 'metrics'>[]): string {
  const parsed = parseMetricKey(key);
  if (!parsed) return key;
  const declared = families.flatMap((f) => f.metrics).find((m) => m.name === parsed.name && !m.perDimension);
  if (!declared) return `${parsed.split} ${parsed.name.replaceAll('_', ' ')}`;
  const label = declared.label.replace(/^(test|train) /, '');
  return `${parsed.split} ${label}${declared.unit ? ` (${declared.unit})` : ''}`;
}

// ---------------------------------------------------------------------------------------------- values and labels

/** A config value as a short string: numbers to 3 significant digits (2e-4, 0.5, 128), lists as JSON. */
export function formatValue(v: ConfigValue | undefined): string {
  if (v === undefined) return '–';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    const abs = Math.abs(v);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(1).replace(/\.0e/, 'e').replace('e+', 'e');
    return String(Number(v.toPrecision(3)));
  }
  if (Array.isArray(v)) return JSON.stringify(v);
  return String(v);
}

/** Short labels for config paths: the last segment (model.beta → beta), the whole path where two share it. */
export function fieldLabels(paths: readonly string[]): Record<string, string> {
  const last = (p: string) =>
    p
      .replace(/\[(\d+)\]/g, '.$1')
      .split('.')
      .pop() ?? p;
  return Object.fromEntries(paths.map((p) => [p, paths.filter((q) => last(q) === last(p)).length > 1 ? p : last(p)]));
}

const keyOf = (v: ConfigValue | undefined) => (v === undefined ? 'absent' : JSON.stringify(v));

/** Orders config values: numbers ascending, then everything else by its text. */
export function compareValues(a: ConfigValue | undefined, b: ConfigValue | undefined): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return formatValue(a).localeCompare(formatValue(b));
}

// ---------------------------------------------------------------------------------------------- grouping

export type GroupBy = { kind: 'none' } | { kind: 'field'; path: string } | { kind: 'except-seed' };

export interface RunGroup {
  key: string;
  label: string;
  runIds: number[];
  /** The grouping fields' values the group's runs share. */
  values: Record<string, ConfigValue | undefined>;
}

/** The differing fields that configure a model (not its name, experiment or seed): what "same config except seed" compares. */
export function configFieldsExceptSeed(fields: readonly string[]): string[] {
  return fields.filter((f) => f !== seedPath && !bookkeepingPaths.includes(f));
}

/**
 * Runs grouped: each alone, by one field's value, or by every differing field but the seed (replicates of one
 * config). Groups are ordered by their values (numbers ascending), runs inside by id.
 */
export function groupRuns(rows: readonly CompareRow[], by: GroupBy, fields: readonly string[]): RunGroup[] {
  if (by.kind === 'none') {
    return [...rows]
      .sort((a, b) => a.id - b.id)
      .map((r) => ({ key: `run:${r.id}`, label: `#${r.id} ${r.name}`, runIds: [r.id], values: {} }));
  }
  const paths = by.kind === 'field' ? [by.path] : configFieldsExceptSeed(fields);
  const labels = fieldLabels(paths);
  const groups = new Map<string, RunGroup>();
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    const values = Object.fromEntries(paths.map((p) => [p, row.config[p]]));
    const key = JSON.stringify(paths.map((p) => keyOf(row.config[p])));
    const group = groups.get(key);
    if (group) group.runIds.push(row.id);
    else {
      const label = paths.length === 0 ? 'all runs' : paths.map((p) => `${labels[p]}=${formatValue(values[p])}`).join(' ');
      groups.set(key, { key, label, runIds: [row.id], values });
    }
  }
  return [...groups.values()].sort((a, b) => {
    for (const p of paths) {
      const c = compareValues(a.values[p], b.values[p]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** The first of these runs in each group (in the runs' order), and runs in no group: one tile per config. */
export function firstOfEachGroup<R extends { id: number }>(rows: readonly R[], groups: readonly RunGroup[]): R[] {
  const groupOf = new Map(groups.flatMap((g) => g.runIds.map((id) => [id, g.key] as const)));
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = groupOf.get(r.id);
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Replicates of one config are grouped by default: when grouping all but the seed joins some runs, else none. */
export function defaultGroupBy(rows: readonly CompareRow[], fields: readonly string[]): GroupBy {
  if (!fields.includes(seedPath)) return { kind: 'none' };
  return groupRuns(rows, { kind: 'except-seed' }, fields).length < rows.length ? { kind: 'except-seed' } : { kind: 'none' };
}

/** The field to colour by: the first differing field that configures the model, else the seed, else none (each run). */
export function defaultColorBy(fields: readonly string[]): string | undefined {
  return configFieldsExceptSeed(fields)[0] ?? (fields.includes(seedPath) ? seedPath : undefined);
}

// ---------------------------------------------------------------------------------------------- curves

/**
 * Points per curve to ask the core for: up to 1,000 (two per pixel of a wide chart) for a few runs, fewer for
 * many, so 200 runs read 500 points each; never under 300, which still shows a curve's shape.
 */
export function curvePointsFor(runs: number): number {
  return Math.max(300, Math.min(1000, Math.round(100_000 / Math.max(1, runs))));
}

/** One group's curve as the chart draws it: its mean, and the band around it when the group has several runs. */
export interface CurveLine {
  key: string;
  label: string;
  color: string;
  x: readonly number[];
  mean: readonly number[];
  lo: readonly number[];
  hi: readonly number[];
  band: boolean;
  /** Runs in the group that have this curve. */
  n: number;
}

export interface CurveSeries {
  step: readonly number[];
  epoch: readonly number[];
  value: readonly number[];
}

export interface AlignedCurves {
  step: number[];
  epoch: number[];
  /** values[k][i]: curve k at step[i]. */
  values: number[][];
  /** How they were aligned: on the steps all have, or interpolated onto the shortest curve's steps. */
  method: 'common-steps' | 'interpolated';
}

/** Linear interpolation of (xs, ys) at x, xs ascending; NaN outside [xs[0], xs[last]]. */
export function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  if (hi < 0 || x < (xs[0] as number) || x > (xs[hi] as number)) return NaN;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  const x0 = xs[lo] as number;
  const x1 = xs[hi] as number;
  const y0 = ys[lo] as number;
  const y1 = ys[hi] as number;
  if (x === x0 || x1 === x0) return y0;
  if (x === x1) return y1;
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/**
 * Curves of one group put on one step axis. Runs of one config log the same steps, so the steps every curve
 * has are used; when those are fewer than half the shortest curve's (a run downsampled differently, or one
 * that logged at other steps), each curve is interpolated onto the shortest curve's steps inside the range
 * all cover.
 */
export function alignCurves(curves: readonly CurveSeries[]): AlignedCurves {
  const [first, ...rest] = curves;
  if (!first) return { step: [], epoch: [], values: [], method: 'common-steps' };
  const sets = rest.map((c) => new Set(c.step));
  const common = first.step.filter((s) => sets.every((set) => set.has(s)));
  const shortest = curves.reduce((a, c) => (c.step.length < a.step.length ? c : a), first);
  if (common.length >= shortest.step.length / 2) {
    const indexes = curves.map((c) => new Map(c.step.map((s, i) => [s, i])));
    const at = (k: number, arr: readonly number[], s: number) => arr[indexes[k]?.get(s) ?? -1] ?? NaN;
    return {
      step: common,
      epoch: common.map((s) => at(0, first.epoch, s)),
      values: curves.map((c, k) => common.map((s) => at(k, c.value, s))),
      method: 'common-steps',
    };
  }
  const start = Math.max(...curves.map((c) => c.step[0] ?? Infinity));
  const end = Math.min(...curves.map((c) => c.step[c.step.length - 1] ?? -Infinity));
  const keep = shortest.step.map((s, i) => [s, i] as const).filter(([s]) => s >= start && s <= end);
  const step = keep.map(([s]) => s);
  return {
    step,
    epoch: keep.map(([, i]) => shortest.epoch[i] ?? NaN),
    values: curves.map((c) => step.map((s) => interpolate(c.step, c.value, s))),
    method: 'interpolated',
  };
}

export type Band = 'minmax' | 'std' | 'none';

export interface GroupCurve {
  step: number[];
  epoch: number[];
  mean: number[];
  /** The band's edges (min and max, or mean ∓ one standard deviation); the mean itself with band 'none'. */
  lo: number[];
  hi: number[];
  /** How many curves went in. */
  n: number;
  method: AlignedCurves['method'];
}

/**
 * A group's mean curve and its band, on aligned steps. The standard deviation is the sample one (n − 1), as
 * the seeds are a sample of the runs this config could give; one run has no spread. Non-finite values
 * (a diverged run) are left out of the step they occur at.
 */
export function aggregateCurves(curves: readonly CurveSeries[], band: Band): GroupCurve {
  const aligned = alignCurves(curves);
  const mean: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  for (let i = 0; i < aligned.step.length; i++) {
    const ys = aligned.values.map((v) => v[i] as number).filter(Number.isFinite);
    const n = ys.length;
    const m = n === 0 ? NaN : ys.reduce((a, b) => a + b, 0) / n;
    mean.push(m);
    if (band === 'minmax') {
      lo.push(n === 0 ? NaN : Math.min(...ys));
      hi.push(n === 0 ? NaN : Math.max(...ys));
    } else if (band === 'std') {
      const sd = n < 2 ? 0 : Math.sqrt(ys.reduce((a, y) => a + (y - m) ** 2, 0) / (n - 1));
      lo.push(m - sd);
      hi.push(m + sd);
    } else {
      lo.push(m);
      hi.push(m);
    }
  }
  return { step: aligned.step, epoch: aligned.epoch, mean, lo, hi, n: curves.length, method: aligned.method };
}

/**
 * TensorBoard's scalar smoothing: an exponential moving average debiased like Adam's moments (divided by
 * 1 − w^k after k values), so the first points are not pulled towards zero. Non-finite values pass through and
 * a constant series is left as it is (tensorboard/webapp/widgets/line_chart_v2/lib/data_transformer.ts).
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...values];
  const first = values[0];
  if (values.every((v) => v === first)) return [...values];
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    count++;
    return weight === 1 ? last : last / (1 - weight ** count);
  });
}

// ---------------------------------------------------------------------------------------------- colours

/** Tableau 10: distinguishable categories on a dark background (the class colours of the run view). */
export const categoricalPalette: readonly string[] = palette10;

const hex2 = (x: number) =>
  Math.round(255 * Math.min(1, Math.max(0, x)))
    .toString(16)
    .padStart(2, '0');

/**
 * Turbo (Mikhail, Google AI 2019, polynomial approximation by its author), taken between 0.1 and 0.9 so both ends
 * stay bright on a dark panel: low values blue, middle green-yellow, high values red.
 */
export function sequentialColor(t: number): string {
  const u = 0.1 + 0.8 * Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const r = 0.13572138 + u * (4.6153926 + u * (-42.66032258 + u * (132.13108234 + u * (-152.94239396 + u * 59.28637943))));
  const g = 0.09140261 + u * (2.19418839 + u * (4.84296658 + u * (-14.18503333 + u * (4.27729857 + u * 2.82956604))));
  const b = 0.1066733 + u * (12.64194608 + u * (-60.58204836 + u * (110.36276771 + u * (-89.90310912 + u * 27.34824973))));
  return `#${hex2(r)}${hex2(g)}${hex2(b)}`;
}

export interface ColorScale {
  kind: 'continuous' | 'categorical';
  /** Continuous scales of positive values spanning ten times or more are logarithmic (β of 0.5, 2, 8 evenly spaced). */
  log: boolean;
  color(v: ConfigValue | undefined): string;
  /** What the legend lists: every value (up to 12), else five values spread over the scale. */
  legend: { label: string; color: string }[];
  /** A CSS gradient of a continuous scale, low to high. */
  gradient?: string;
}

const missingColor = '#8a9099';

/** Numbers get a continuous scale; anything else (or a mix) a categorical one, values in order. */
export function colorScale(values: readonly (ConfigValue | undefined)[]): ColorScale {
  const present = values.filter((v) => v !== undefined && v !== null);
  const distinct = [...new Map(present.map((v) => [keyOf(v), v])).values()].sort(compareValues);
  const numbers = distinct.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length >= 2 && numbers.length === distinct.length) {
    const min = numbers[0] as number;
    const max = numbers[numbers.length - 1] as number;
    const log = min > 0 && max / min >= 10;
    const position = (v: number) => (log ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min));
    const color = (v: ConfigValue | undefined) => (typeof v === 'number' ? sequentialColor(position(v)) : missingColor);
    const shown =
      numbers.length <= 12 ? numbers : [0, 0.25, 0.5, 0.75, 1].map((t) => (log ? min * (max / min) ** t : min + t * (max - min)));
    return {
      kind: 'continuous',
      log,
      color,
      legend: shown.map((v) => ({ label: formatValue(v), color: color(v) })),
      gradient: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => sequentialColor(t)).join(', ')})`,
    };
  }
  const index = new Map(distinct.map((v, i) => [keyOf(v), i]));
  const color = (v: ConfigValue | undefined) => {
    const i = index.get(keyOf(v));
    return i === undefined ? missingColor : (categoricalPalette[i % categoricalPalette.length] as string);
  };
  return {
    kind: 'categorical',
    log: false,
    color,
    legend: distinct.slice(0, 12).map((v) => ({ label: formatValue(v), color: color(v) })),
  };
}

/** A colour with an alpha channel: #4e79a7 at 0.25 → #4e79a740. */
export function withAlpha(color: string, alpha: number): string {
  return `${color.slice(0, 7)}${hex2(alpha)}`;
}

// ---------------------------------------------------------------------------------------------- axes

export interface Axis {
  kind: 'linear' | 'log' | 'category';
  /** Positive values spanning more than two decades: a log scale reads them better (learning rates). */
  canLog: boolean;
  /** 0 at the bottom (or left), 1 at the top (or right); null for a value the axis does not hold. */
  position(v: ConfigValue | undefined): number | null;
  ticks: { label: string; at: number }[];
}

/** 1, 2 or 5 times a power of ten: the tick step for about `count` ticks over [min, max]. */
export function niceStep(min: number, max: number, count = 5): number {
  const raw = (max - min) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power;
}

/** Round numbers between min and max, both included when they fall on a step. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step = niceStep(min, max, count);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export interface AxisOptions {
  /** Log scale, where the values allow one (see `canLog`). */
  log?: boolean;
  /** About how many round ticks a numeric axis gets. */
  ticks?: number;
  /** Ticks at the values themselves when there are at most this many (a sweep's grid: 0.25, 0.5, 1, 2). */
  valueTicks?: number;
  /** Ticks closer than this (in axis units, 0..1) to the one below are left out; the top one is always kept. */
  minTickGap?: number;
}

/** Leaves out ticks too close to the one kept below them, keeping the last: labels that would overlap. */
export function thinTicks<T extends { at: number }>(ticks: readonly T[], minGap: number): T[] {
  const kept: T[] = [];
  for (const t of ticks) {
    const last = kept[kept.length - 1];
    if (!last || t.at - last.at >= minGap) kept.push(t);
  }
  const top = ticks[ticks.length - 1];
  if (top && kept[kept.length - 1] !== top) {
    kept.pop();
    const below = kept[kept.length - 1];
    if (below && top.at - below.at < minGap) kept.pop();
    kept.push(top);
  }
  return kept;
}

/**
 * An axis over the values of one field or metric: numbers on a linear scale (or a log one when asked and they
 * span more than two decades, all positive), anything else as categories evenly spaced in their order.
 */
export function makeAxis(values: readonly (ConfigValue | undefined)[], options: AxisOptions = {}): Axis {
  const present = values.filter((v) => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v));
  const gap = options.minTickGap ?? 0;
  if (numeric) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const canLog = min > 0 && max / min > 100;
    if (min === max) {
      return { kind: 'linear', canLog, position: (v) => (v === min ? 0.5 : null), ticks: [{ label: formatValue(min), at: 0.5 }] };
    }
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    const atValues = distinct.length <= (options.valueTicks ?? 0);
    if (canLog && options.log) {
      const lmin = Math.log10(min);
      const span = Math.log10(max) - lmin;
      const position = (v: ConfigValue | undefined) => (typeof v === 'number' && v > 0 ? (Math.log10(v) - lmin) / span : null);
      const decades: number[] = [];
      for (let e = Math.ceil(lmin - 1e-9); e <= Math.log10(max) + 1e-9; e++) decades.push(10 ** e);
      const ticks = (atValues ? distinct : decades).map((v) => ({ label: formatValue(v), at: position(v) ?? 0 }));
      return { kind: 'log', canLog, position, ticks: thinTicks(ticks, gap) };
    }
    const position = (v: ConfigValue | undefined) =>
      typeof v === 'number' && Number.isFinite(v) ? (v - min) / (max - min) : null;
    const ticks = (atValues ? distinct : niceTicks(min, max, options.ticks ?? 5)).map((t) => ({
      label: formatValue(t),
      at: position(t) ?? 0,
    }));
    return { kind: 'linear', canLog, position, ticks: thinTicks(ticks, gap) };
  }
  const categories = [...new Map(present.map((v) => [keyOf(v), v])).values()].sort(compareValues);
  const index = new Map(categories.map((v, i) => [keyOf(v), i]));
  const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
  return {
    kind: 'category',
    canLog: false,
    position: (v) => {
      const i = index.get(keyOf(v));
      return i === undefined ? null : at(i);
    },
    ticks: thinTicks(
      categories.map((v, i) => ({ label: formatValue(v), at: at(i) })),
      gap,
    ),
  };
}

// ---------------------------------------------------------------------------------------------- labels

export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LabelOptions {
  charWidth?: number;
  height?: number;
  gap?: number;
  /** A label is left out when the same text sits on a point this close (px): replicates in a cluster are named once. */
  repeatDistance?: number;
  /** Points drawn this large (px) are kept clear of labels where a spot allows; 0 lets labels cover points. */
  pointRadius?: number;
}

/**
 * Greedy label placement for a scatter: each point's label goes right of it, else left, above or below, at the
 * first spot inside the plot that overlaps no label placed before and, with `pointRadius`, covers no point (trying
 * a wider ring next, then allowing points to be covered); a label that fits nowhere is left out (hovering the
 * point names it). Points are taken in order.
 */
export function placeLabels(
  points: readonly { x: number; y: number; text: string }[],
  bounds: { width: number; height: number },
  { charWidth = 6.2, height = 12, gap = 5, repeatDistance = 0, pointRadius = 0 }: LabelOptions = {},
): (LabelBox | null)[] {
  const placed: LabelBox[] = [];
  const named: { x: number; y: number; text: string }[] = [];
  const overlaps = (a: LabelBox, b: LabelBox) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const dots = points.map((q) => ({
    x: q.x - pointRadius,
    y: q.y - pointRadius,
    width: 2 * pointRadius,
    height: 2 * pointRadius,
  }));
  return points.map((p) => {
    if (named.some((q) => q.text === p.text && Math.hypot(q.x - p.x, q.y - p.y) < repeatDistance)) return null;
    const width = p.text.length * charWidth;
    const ring = (extra: number): LabelBox[] => [
      { x: p.x + gap + extra, y: p.y - height / 2, width, height },
      { x: p.x - gap - extra - width, y: p.y - height / 2, width, height },
      // Above and below clear the row the side labels take.
      { x: p.x - width / 2, y: p.y - 1.5 * height - extra, width, height },
      { x: p.x - width / 2, y: p.y + height / 2 + extra, width, height },
    ];
    const inside = (c: LabelBox) =>
      c.x >= 0 &&
      c.y >= 0 &&
      c.x + c.width <= bounds.width &&
      c.y + c.height <= bounds.height &&
      !placed.some((q) => overlaps(c, q));
    const clear = (c: LabelBox) => inside(c) && !dots.some((d) => overlaps(c, d));
    const near = ring(0);
    const box =
      pointRadius > 0 ? (near.find(clear) ?? ring(2 * pointRadius + gap).find(clear) ?? near.find(inside)) : near.find(inside);
    if (!box) return null;
    placed.push(box);
    named.push(p);
    return box;
  });
}

// ---------------------------------------------------------------------------------------------- images

/** A kind as a title: the title a family's view gives it, else its name in words (prior-samples → Prior samples). */
export function kindTitle(kind: string, families: readonly Pick<FamilyInfo, 'views'>[]): string {
  const declared = families.flatMap((f) => f.views).find((v) => v.kind === kind);
  if (declared) return declared.title;
  const words = kind.replace(/[-_]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Each run's image of this kind at the largest epoch not after `epoch` (the newest such when a run stored two). */
export function imagesAtEpoch<A extends Pick<ArtifactInfo, 'id' | 'kind' | 'epoch' | 'runId'>>(
  index: readonly A[],
  kind: string,
  epoch: number,
): Map<number, A> {
  const out = new Map<number, A>();
  for (const a of index) {
    if (a.kind !== kind || a.epoch > epoch) continue;
    const best = out.get(a.runId);
    if (!best || a.epoch > best.epoch || (a.epoch === best.epoch && a.id > best.id)) out.set(a.runId, a);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- config table

export interface ConfigTableRow {
  path: string;
  values: (ConfigValue | undefined)[];
  differs: boolean;
}

/**
 * Rows of config paths, one value per run: the differing fields (their order), or every path the runs have. A row
 * differs when its values do (a run's name too, which the differing fields leave out).
 */
export function configTable(rows: readonly CompareRow[], fields: readonly string[], all: boolean): ConfigTableRow[] {
  const paths = all ? [...new Set(rows.flatMap((r) => Object.keys(r.config)))] : fields.filter((f) => f !== 'name');
  return paths.map((path) => {
    const values = rows.map((r) => r.config[path]);
    return { path, values, differs: new Set(values.map(keyOf)).size > 1 };
  });
}

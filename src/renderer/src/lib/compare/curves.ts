/** Curves of many runs: aligned on shared steps, aggregated per group with a band, smoothed. */

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
  /** The mean stops before some of the group's runs do: where its shortest run ends. */
  cut?: boolean;
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
 * A group's mean curve and its band, aligned on the axis the chart draws (`on`): on epochs, runs of the group with
 * different steps per epoch (another batch size) are compared epoch for epoch, not step for step; `step` then holds
 * the epochs too. The standard deviation is the sample one (n − 1), as the seeds are a sample of the runs this
 * config could give; one run has no spread. Non-finite values (a diverged run) are left out of the step they occur at.
 */
export function aggregateCurves(curves: readonly CurveSeries[], band: Band, on: 'step' | 'epoch' = 'step'): GroupCurve {
  const aligned = alignCurves(on === 'epoch' ? curves.map((c) => ({ step: c.epoch, epoch: c.epoch, value: c.value })) : curves);
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

/**
 * Whether a group's aggregate ends before one of its runs does, on the axis drawn: the mean covers only the range all
 * its runs cover, so a run that ended early (failed, stopped) cuts the others' later epochs out of the chart.
 */
export function endsBeforeItsRuns(curves: readonly CurveSeries[], agg: GroupCurve, on: 'step' | 'epoch'): boolean {
  const end = (on === 'epoch' ? agg.epoch : agg.step).at(-1);
  if (end === undefined) return false;
  return curves.some((c) => ((on === 'epoch' ? c.epoch : c.step).at(-1) ?? -Infinity) > end);
}

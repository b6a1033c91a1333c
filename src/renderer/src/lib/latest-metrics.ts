import type { MetricPoint, RunSummary } from '../../../shared/api';

type LatestMetric = RunSummary['latest'][number];

/** The newest point of each split/name in a batch of points (a `run.metrics` event), keyed `split.name`. */
export function newestPoints(points: readonly MetricPoint[]): Map<string, MetricPoint> {
  const newest = new Map<string, MetricPoint>();
  for (const p of points) {
    const key = `${p.split}.${p.name}`;
    const seen = newest.get(key);
    if (!seen || p.step >= seen.step) newest.set(key, p);
  }
  return newest;
}

/**
 * A run's latest metrics with a batch of new points folded in: a point replaces the stored one only when it is at
 * the same or a later step. Returns the same array when nothing changed, so a list patched in place re-renders
 * only the runs that moved.
 */
export function mergeLatest(latest: LatestMetric[], points: readonly MetricPoint[]): LatestMetric[] {
  if (points.length === 0) return latest;
  const byKey = new Map(latest.map((m) => [`${m.split}.${m.name}`, m]));
  let changed = false;
  for (const [key, p] of newestPoints(points)) {
    const old = byKey.get(key);
    if (old && (old.step > p.step || (old.step === p.step && old.value === p.value))) continue;
    byKey.set(key, { split: p.split, name: p.name, value: p.value, step: p.step });
    changed = true;
  }
  return changed ? [...byKey.values()] : latest;
}

/** A table row's final metrics (`split.name` → value) with a batch of new points folded in; the same record when unchanged. */
export function mergeMetricRecord(
  record: Readonly<Record<string, number>>,
  points: readonly MetricPoint[],
): Record<string, number> {
  let next: Record<string, number> | null = null;
  for (const [key, p] of newestPoints(points)) {
    if (record[key] === p.value) continue;
    next ??= { ...record };
    next[key] = p.value;
  }
  return next ?? record;
}

import type { Curve, MetricPoint } from '../../shared/api';
import type { Db } from './db';
import { stmt } from './statements';

/**
 * Writes a batch of points and the latest-value table in one transaction. A NaN (a metric of a diverged model) is
 * not kept: SQLite stores it as NULL, which the column refuses, and with it the batch's other points were lost.
 */
export function writeMetrics(db: Db, runId: number, all: readonly MetricPoint[]): void {
  const points = all.filter((p) => !Number.isNaN(p.value));
  if (points.length === 0) return;
  const insert = stmt(
    db,
    `INSERT INTO metrics (run_id, split, name, step, epoch, value) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT(run_id, split, name, step) DO UPDATE SET epoch = excluded.epoch, value = excluded.value`,
  );
  const latest = stmt(
    db,
    `INSERT INTO latest_metrics (run_id, split, name, step, value) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(run_id, split, name) DO UPDATE SET step = excluded.step, value = excluded.value
     WHERE excluded.step >= latest_metrics.step`,
  );
  db.transaction(() => {
    for (const p of points) {
      insert.run(runId, p.split, p.name, p.step, p.epoch, p.value);
      latest.run(runId, p.split, p.name, p.step, p.value);
    }
  })();
}

export function readMetrics(db: Db, runId: number): MetricPoint[] {
  return stmt<[number], MetricPoint>(
    db,
    'SELECT step, epoch, split, name, value FROM metrics WHERE run_id = ? ORDER BY split, name, step',
  ).all(runId);
}

/** A metric's value at the end of an epoch (its last step there), or undefined. */
export function metricAtEpoch(db: Db, runId: number, split: string, name: string, epoch: number): number | undefined {
  return stmt<[number, string, string, number], { value: number }>(
    db,
    'SELECT value FROM metrics WHERE run_id = ? AND split = ? AND name = ? AND epoch = ? ORDER BY step DESC LIMIT 1',
  ).get(runId, split, name, epoch)?.value;
}

/** A metric's latest value, or undefined. */
export function latestMetric(db: Db, runId: number, split: string, name: string): number | undefined {
  return stmt<[number, string, string], { value: number }>(
    db,
    'SELECT value FROM latest_metrics WHERE run_id = ? AND split = ? AND name = ?',
  ).get(runId, split, name)?.value;
}

/** One recorded value, or undefined. */
export function metricAt(db: Db, runId: number, split: string, name: string, step: number): number | undefined {
  return stmt<[number, string, string, number], { value: number }>(
    db,
    'SELECT value FROM metrics WHERE run_id = ? AND split = ? AND name = ? AND step = ?',
  ).get(runId, split, name, step)?.value;
}

/**
 * Curves of many runs, one metric at a time: two queries per metric whatever the number of runs. A curve of
 * more than `maxPoints` points is cut into `maxPoints` equal spans of steps and keeps the first point of
 * each, and its last, so both ends are exact; SQLite builds each run's arrays as JSON, which costs far
 * less than handing over a row per point.
 */
export function readCurves(
  db: Db,
  runIds: readonly number[],
  metrics: readonly { split: MetricPoint['split']; name: string }[],
  maxPoints: number,
): Curve[] {
  const spans = stmt<[string, string, string], { runId: number; n: number; lo: number; hi: number }>(
    db,
    `SELECT run_id AS runId, count(*) AS n, min(step) AS lo, max(step) AS hi FROM metrics
     WHERE run_id IN (SELECT value FROM json_each(?)) AND split = ? AND name = ? GROUP BY run_id`,
  );
  // A bare column beside min() comes from the row holding the minimum (SQLite's documented rule).
  const points = stmt<[string, string, string], [number, string, string, string]>(
    db,
    `WITH plan AS MATERIALIZED (
       SELECT json_extract(value, '$[0]') AS run_id, json_extract(value, '$[1]') AS buckets,
              json_extract(value, '$[2]') AS lo, json_extract(value, '$[3]') AS hi
       FROM json_each(?)),
     kept AS (
       SELECT m.run_id AS run_id, min(m.step) AS step, m.epoch AS epoch, m.value AS value
       FROM plan JOIN metrics m ON m.run_id = plan.run_id AND m.split = ? AND m.name = ?
       GROUP BY m.run_id,
         CASE WHEN m.step = plan.hi THEN -1 ELSE ((m.step - plan.lo) * plan.buckets) / (plan.hi - plan.lo + 1) END)
     SELECT run_id, json_group_array(step ORDER BY step), json_group_array(epoch ORDER BY step),
            json_group_array(value ORDER BY step)
     FROM kept GROUP BY run_id`,
  ).raw(true);
  const ids = JSON.stringify(runIds);
  const order = new Map(runIds.map((id, i) => [id, i]));
  const curves: Curve[] = [];
  for (const { split, name } of metrics) {
    // Each run's number of buckets: one per step while the curve is short enough, else maxPoints.
    const plan = spans.all(ids, split, name).map((r) => [r.runId, r.n <= maxPoints ? r.hi - r.lo + 1 : maxPoints, r.lo, r.hi]);
    const rows = points.all(JSON.stringify(plan), split, name);
    rows.sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0));
    for (const [runId, step, epoch, value] of rows) {
      curves.push({
        runId,
        split,
        name,
        step: JSON.parse(step) as number[],
        epoch: JSON.parse(epoch) as number[],
        value: JSON.parse(value) as number[],
      });
    }
  }
  return curves;
}

import type { Curve, MetricPoint } from '../../shared/api';
import type { Db } from './db';
import { stmt } from './statements';

/** Writes a batch of points and the latest-value table in one transaction. */
export function writeMetrics(db: Db, runId: number, points: readonly MetricPoint[]): void {
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

/** One recorded value, or undefined. */
export function metricAt(db: Db, runId: number, split: string, name: string, step: number): number | undefined {
  return stmt<[number, string, string, number], { value: number }>(
    db,
    'SELECT value FROM metrics WHERE run_id = ? AND split = ? AND name = ? AND step = ?',
  ).get(runId, split, name, step)?.value;
}

/**
 * Curves of many runs for one metric each, in one query per metric; a curve longer than `maxPoints` keeps
 * every k-th point and its last, so its end is exact.
 */
export function readCurves(
  db: Db,
  runIds: readonly number[],
  metrics: readonly { split: 'train' | 'test'; name: string }[],
  maxPoints: number,
): Curve[] {
  const query = stmt<[string, string, string], [number, number, number, number]>(
    db,
    `SELECT run_id, step, epoch, value FROM metrics
     WHERE run_id IN (SELECT value FROM json_each(?)) AND split = ? AND name = ? ORDER BY run_id, step`,
  ).raw(true);
  const ids = JSON.stringify(runIds);
  const curves: Curve[] = [];
  for (const { split, name } of metrics) {
    const rows = query.all(ids, split, name);
    let start = 0;
    while (start < rows.length) {
      const runId = (rows[start] as [number, number, number, number])[0];
      let end = start;
      while (end < rows.length && (rows[end] as [number, number, number, number])[0] === runId) end++;
      const n = end - start;
      const stride = Math.max(1, Math.ceil(n / maxPoints));
      const curve: Curve = { runId, split, name, step: [], epoch: [], value: [] };
      for (let i = start; i < end; i++) {
        if ((i - start) % stride !== 0 && i !== end - 1) continue;
        const [, step, epoch, value] = rows[i] as [number, number, number, number];
        curve.step.push(step);
        curve.epoch.push(epoch);
        curve.value.push(value);
      }
      curves.push(curve);
      start = end;
    }
  }
  return curves;
}

import type { MetricPoint } from '../../shared/api';
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

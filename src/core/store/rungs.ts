/** Hyperband's record of an adaptive sweep: each run's metric at each rung it reached, and what was decided there. */
import type { RungRecord } from '../../shared/sweep-search';
import { nowIso, type Db } from './db';
import { stmt } from './statements';

interface RungRow {
  run_id: number;
  rung: number;
  epoch: number;
  value: number;
  decision: 'continue' | 'stopped';
  cutoff: number | null;
  peers: number;
}
const toRecord = (r: RungRow): RungRecord => ({
  runId: r.run_id,
  rung: r.rung,
  epoch: r.epoch,
  value: r.value,
  decision: r.decision,
  cutoff: r.cutoff,
  peers: r.peers,
});

/** The values (in the sweep's metric, as stored) that runs of the sweep recorded at a rung, oldest first. */
export function valuesAtRung(db: Db, sweepId: number, rung: number): number[] {
  return stmt<[number, number], { value: number }>(
    db,
    'SELECT value FROM sweep_rungs WHERE sweep_id = ? AND rung = ? ORDER BY created_at, run_id',
  )
    .all(sweepId, rung)
    .map((r) => r.value);
}

export function rungRecord(db: Db, runId: number, rung: number): RungRecord | undefined {
  const row = stmt<[number, number], RungRow>(db, 'SELECT * FROM sweep_rungs WHERE run_id = ? AND rung = ?').get(runId, rung);
  return row ? toRecord(row) : undefined;
}

export function recordRung(db: Db, sweepId: number, r: RungRecord): void {
  stmt(
    db,
    `INSERT INTO sweep_rungs (run_id, sweep_id, rung, epoch, value, decision, cutoff, peers, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(r.runId, sweepId, r.rung, r.epoch, r.value, r.decision, r.cutoff, r.peers, nowIso());
}

/** Every rung record of a sweep, in the order they were made. */
export function sweepRungs(db: Db, sweepId: number): RungRecord[] {
  return stmt<[number], RungRow>(db, 'SELECT * FROM sweep_rungs WHERE sweep_id = ? ORDER BY created_at, run_id, rung')
    .all(sweepId)
    .map(toRecord);
}

/** The rungs of one run, lowest first. */
export function runRungs(db: Db, runId: number): RungRecord[] {
  return stmt<[number], RungRow>(db, 'SELECT * FROM sweep_rungs WHERE run_id = ? ORDER BY rung').all(runId).map(toRecord);
}

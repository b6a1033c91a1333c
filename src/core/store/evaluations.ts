import { hostname } from 'node:os';
import type { Evaluation, EvaluationDetails, EvaluationKind, EvaluationStatus } from '../../shared/api';
import { nowIso, type Db } from './db';
import { supervisorAlive } from './runs';
import { stmt } from './statements';
import type { PixelBaseline } from '../training/protocol';

interface EvaluationRow {
  id: number;
  run_id: number;
  what: string;
  settings_json: string;
  seed: number;
  checkpoint_epoch: number;
  status: EvaluationStatus;
  results_json: string | null;
  error: string | null;
  created_at: string;
  ended_at: string | null;
}

/** What a completed evaluation stores: headline figures (the runs table's `eval.*` columns) and the rest. */
export interface EvaluationResults {
  figures: Record<string, number>;
  details: EvaluationDetails;
}

function toEvaluation(r: EvaluationRow): Evaluation {
  const results = r.results_json ? (JSON.parse(r.results_json) as EvaluationResults) : { figures: {}, details: {} };
  return {
    id: r.id,
    runId: r.run_id,
    what: JSON.parse(r.what) as EvaluationKind[],
    settings: JSON.parse(r.settings_json) as Record<string, unknown>,
    seed: r.seed,
    epoch: r.checkpoint_epoch,
    status: r.status,
    figures: results.figures,
    details: results.details,
    error: r.error,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

/** A new evaluation, queued and supervised by this studio process. */
export function insertEvaluation(
  db: Db,
  e: { runId: number; what: readonly EvaluationKind[]; settings: Record<string, unknown>; seed: number; epoch: number },
): number {
  const info = stmt(
    db,
    `INSERT INTO evaluations (run_id, what, settings_json, seed, checkpoint_epoch, status, supervisor_host, supervisor_pid, created_at)
     VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)`,
  ).run(e.runId, JSON.stringify(e.what), JSON.stringify(e.settings), e.seed, e.epoch, hostname(), process.pid, nowIso());
  return Number(info.lastInsertRowid);
}

export function markEvaluationRunning(db: Db, id: number): void {
  stmt(db, `UPDATE evaluations SET status = 'running' WHERE id = ? AND status = 'queued'`).run(id);
}

/** Ends an evaluation once; false when it had already ended (or was deleted with its run). */
export function finishEvaluation(
  db: Db,
  id: number,
  end:
    { status: 'completed'; results: EvaluationResults; settings: Record<string, unknown> } | { status: 'failed'; error: string },
): boolean {
  if (end.status === 'completed') {
    return (
      stmt(
        db,
        `UPDATE evaluations SET status = 'completed', results_json = ?, settings_json = ?, ended_at = ?
         WHERE id = ? AND status IN ('queued','running')`,
      ).run(JSON.stringify(end.results), JSON.stringify(end.settings), nowIso(), id).changes === 1
    );
  }
  return (
    stmt(
      db,
      `UPDATE evaluations SET status = 'failed', error = ?, ended_at = ? WHERE id = ? AND status IN ('queued','running')`,
    ).run(end.error, nowIso(), id).changes === 1
  );
}

export function getEvaluation(db: Db, id: number): Evaluation | undefined {
  const row = stmt<[number], EvaluationRow>(db, 'SELECT * FROM evaluations WHERE id = ?').get(id);
  return row ? toEvaluation(row) : undefined;
}

/** A run's evaluations, oldest first. */
export function listEvaluations(db: Db, runId: number): Evaluation[] {
  return stmt<[number], EvaluationRow>(db, 'SELECT * FROM evaluations WHERE run_id = ? ORDER BY id').all(runId).map(toEvaluation);
}

/**
 * Each run's evaluation figures in one query: per figure name, the value of the newest completed evaluation
 * that has it (so a clustering evaluation and a later likelihood one both show). `runIds` null reads every run.
 */
export function latestEvaluationFigures(db: Db, runIds: readonly number[] | null): Map<number, Record<string, number>> {
  const ids = runIds ? JSON.stringify(runIds) : null;
  const rows = stmt<[string | null, string | null], { runId: number; name: string; value: number | null }>(
    db,
    `SELECT e.run_id AS runId, f.key AS name, f.value AS value
     FROM evaluations e, json_each(e.results_json, '$.figures') f
     WHERE e.status = 'completed' AND (? IS NULL OR e.run_id IN (SELECT value FROM json_each(?)))
     ORDER BY e.run_id, e.id`,
  ).all(ids, ids);
  const byRun = new Map<number, Record<string, number>>();
  for (const { runId, name, value } of rows) {
    if (typeof value !== 'number') continue;
    let figures = byRun.get(runId);
    if (!figures) byRun.set(runId, (figures = {}));
    figures[name] = value;
  }
  return byRun;
}

/** Evaluations left queued or running by a studio process that is gone fail with the reason; returns them. */
export function failOrphanedEvaluations(db: Db, reason: string): { id: number; runId: number }[] {
  const active = stmt<[], { id: number; run_id: number; supervisor_host: string | null; supervisor_pid: number | null }>(
    db,
    `SELECT id, run_id, supervisor_host, supervisor_pid FROM evaluations WHERE status IN ('queued','running')`,
  ).all();
  const orphaned = active.filter((e) => !supervisorAlive(e.supervisor_host, e.supervisor_pid));
  for (const e of orphaned) finishEvaluation(db, e.id, { status: 'failed', error: reason });
  return orphaned.map((e) => ({ id: e.id, runId: e.run_id }));
}

/** This studio process's evaluations still active: they fail with the reason when it shuts down. */
export function failOwnEvaluations(db: Db, reason: string): { id: number; runId: number }[] {
  const own = stmt<[string, number], { id: number; run_id: number }>(
    db,
    `SELECT id, run_id FROM evaluations WHERE status IN ('queued','running') AND supervisor_host = ? AND supervisor_pid = ?`,
  ).all(hostname(), process.pid);
  for (const e of own) finishEvaluation(db, e.id, { status: 'failed', error: reason });
  return own.map((e) => ({ id: e.id, runId: e.run_id }));
}

export function readBaseline(db: Db, key: string): PixelBaseline | undefined {
  const row = stmt(db, `SELECT results_json FROM evaluation_baselines WHERE key = ?`).get(key) as
    { results_json: string } | undefined;
  return row ? (JSON.parse(row.results_json) as PixelBaseline) : undefined;
}

export function storeBaseline(db: Db, key: string, kind: string, baseline: PixelBaseline): void {
  stmt(db, `INSERT OR REPLACE INTO evaluation_baselines (key, kind, results_json, created_at) VALUES (?, ?, ?, ?)`).run(
    key,
    kind,
    JSON.stringify(baseline),
    nowIso(),
  );
}

import { hostname } from 'node:os';
import type { MetricPoint } from '../../shared/api';
import type { Prior, PriorStatus } from '../../shared/prior';
import type { PriorEpoch } from '../prior/messages';
import type { CheckpointRecord } from './checkpoints';
import { nowIso, type Db } from './db';
import { writeMetrics } from './metrics';
import type { ResumePoint } from './runs';
import { supervisorAlive } from './runs';
import { stmt } from './statements';

interface PriorRow {
  id: number;
  run_id: number;
  status: PriorStatus;
  epochs: number;
  seed: number;
  checkpoint_epoch: number;
  checkpoint_json: string;
  settings_json: string;
  results_json: string | null;
  path: string | null;
  sha256: string | null;
  error: string | null;
  created_at: string;
  ended_at: string | null;
}

interface PriorResults {
  figures: Record<string, number>;
  curve: PriorEpoch[];
}

function toPrior(r: PriorRow): Prior {
  const results = r.results_json ? (JSON.parse(r.results_json) as PriorResults) : { figures: {}, curve: [] };
  return {
    jobId: r.id,
    runId: r.run_id,
    status: r.status,
    epochs: r.epochs,
    seed: r.seed,
    checkpointEpoch: r.checkpoint_epoch,
    figures: results.figures,
    curve: results.curve.map(({ epoch, trainNllBits, testNllBits, seconds }) => ({ epoch, trainNllBits, testNllBits, seconds })),
    settings: JSON.parse(r.settings_json) as Record<string, unknown>,
    error: r.error,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

/** A new prior job, queued and supervised by this studio process. */
export function insertPrior(
  db: Db,
  p: { runId: number; epochs: number; seed: number; checkpoint: ResumePoint; settings: Record<string, unknown> },
): number {
  const info = stmt(
    db,
    `INSERT INTO priors (run_id, status, epochs, seed, checkpoint_epoch, checkpoint_json, settings_json, supervisor_host,
                         supervisor_pid, created_at)
     VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    p.runId,
    p.epochs,
    p.seed,
    p.checkpoint.epoch,
    JSON.stringify(p.checkpoint),
    JSON.stringify(p.settings),
    hostname(),
    process.pid,
    nowIso(),
  );
  return Number(info.lastInsertRowid);
}

export function markPriorRunning(db: Db, id: number): void {
  stmt(db, `UPDATE priors SET status = 'running' WHERE id = ? AND status = 'queued'`).run(id);
}

/** The curve so far, while it trains. */
export function recordPriorEpoch(db: Db, id: number, curve: PriorEpoch[]): void {
  stmt(db, `UPDATE priors SET results_json = ? WHERE id = ? AND status = 'running'`).run(
    JSON.stringify({ figures: {}, curve } satisfies PriorResults),
    id,
  );
}

/**
 * Ends a prior once (false when it had already ended, or went with its run). A completed one keeps its figures and
 * checkpoint, and its curve replaces the run's metrics of split 'prior' (step = the prior's epoch).
 */
export function finishPrior(
  db: Db,
  id: number,
  end:
    | {
        status: 'completed';
        runId: number;
        figures: Record<string, number>;
        curve: PriorEpoch[];
        settings: Record<string, unknown>;
        checkpoint: CheckpointRecord;
      }
    | { status: 'failed'; error: string },
): boolean {
  if (end.status === 'failed') {
    return (
      stmt(
        db,
        `UPDATE priors SET status = 'failed', error = ?, ended_at = ? WHERE id = ? AND status IN ('queued','running')`,
      ).run(end.error, nowIso(), id).changes === 1
    );
  }
  const finish = db.transaction(() => {
    const changed = stmt(
      db,
      `UPDATE priors SET status = 'completed', results_json = ?, settings_json = ?, path = ?, sha256 = ?, size_bytes = ?, ended_at = ?
       WHERE id = ? AND status IN ('queued','running')`,
    ).run(
      JSON.stringify({ figures: end.figures, curve: end.curve } satisfies PriorResults),
      JSON.stringify(end.settings),
      end.checkpoint.path,
      end.checkpoint.sha256,
      end.checkpoint.sizeBytes,
      nowIso(),
      id,
    ).changes;
    if (changed !== 1) return false;
    stmt(db, `DELETE FROM metrics WHERE run_id = ? AND split = 'prior'`).run(end.runId);
    stmt(db, `DELETE FROM latest_metrics WHERE run_id = ? AND split = 'prior'`).run(end.runId);
    writeMetrics(db, end.runId, priorMetrics(end.curve, end.figures));
    return true;
  });
  return finish();
}

/** The prior's curve as metrics of split 'prior': nll_bits and train_nll_bits per epoch, the baselines at the last. */
export function priorMetrics(curve: readonly PriorEpoch[], figures: Record<string, number>): MetricPoint[] {
  const points: MetricPoint[] = curve.flatMap((c) => [
    { step: c.epoch, epoch: c.epoch, split: 'prior' as const, name: 'nll_bits', value: c.testNllBits },
    { step: c.epoch, epoch: c.epoch, split: 'prior' as const, name: 'train_nll_bits', value: c.trainNllBits },
  ]);
  const last = curve.at(-1)?.epoch ?? 0;
  for (const name of ['unigram_bits', 'position_unigram_bits', 'uniform_bits']) {
    const value = figures[name];
    if (value !== undefined) points.push({ step: last, epoch: last, split: 'prior', name, value });
  }
  return points;
}

/** The run's newest prior job (whatever its status). */
export function latestPrior(db: Db, runId: number): Prior | undefined {
  const row = stmt<[number], PriorRow>(db, 'SELECT * FROM priors WHERE run_id = ? ORDER BY id DESC LIMIT 1').get(runId);
  return row ? toPrior(row) : undefined;
}

/** The run's newest completed prior, with its checkpoint file and the VQ-VAE checkpoint it was trained on. */
export function latestCompletedPrior(
  db: Db,
  runId: number,
): { jobId: number; path: string; sha256: string; checkpoint: ResumePoint } | undefined {
  const row = stmt<[number], PriorRow>(
    db,
    `SELECT * FROM priors WHERE run_id = ? AND status = 'completed' AND path IS NOT NULL ORDER BY id DESC LIMIT 1`,
  ).get(runId);
  if (!row?.path || !row.sha256) return undefined;
  return { jobId: row.id, path: row.path, sha256: row.sha256, checkpoint: JSON.parse(row.checkpoint_json) as ResumePoint };
}

/** Priors left queued or running by a studio process that is gone fail with the reason; returns them. */
export function failOrphanedPriors(db: Db, reason: string): Prior[] {
  const active = stmt<[], PriorRow & { supervisor_host: string | null; supervisor_pid: number | null }>(
    db,
    `SELECT * FROM priors WHERE status IN ('queued','running')`,
  ).all();
  const orphaned = active.filter((p) => !supervisorAlive(p.supervisor_host, p.supervisor_pid));
  for (const p of orphaned) finishPrior(db, p.id, { status: 'failed', error: reason });
  return orphaned.map(toPrior);
}

/** This studio process's priors still active: they fail with the reason when it shuts down. */
export function failOwnPriors(db: Db, reason: string): Prior[] {
  const own = stmt<[string, number], PriorRow>(
    db,
    `SELECT * FROM priors WHERE status IN ('queued','running') AND supervisor_host = ? AND supervisor_pid = ?`,
  ).all(hostname(), process.pid);
  for (const p of own) finishPrior(db, p.id, { status: 'failed', error: reason });
  return own.map(toPrior);
}

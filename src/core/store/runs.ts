import type { RunConfig } from '../../shared/config';
import type { Environment, LatestMetric, RunDetail, RunStatus, RunSummary, StoppedEarly } from '../../shared/api';
import type { z } from 'zod';
import { nowIso, type Db } from './db';
import { stmt } from './statements';
import { trainAttempts } from './train-attempts';
import { endTrainJob, insertTrainJob, orphanedTraining, startTrainJob, type Executor, type ResumePoint } from './train-jobs';
import { slurmRunInfo, type SlurmTaskRecord } from './slurm-runs';
import { labelsOf, type LabelColumns } from './labels';

export { supervisorAlive } from './supervisor';

interface RunRow extends LabelColumns {
  id: number;
  experiment: string;
  name: string;
  family: string;
  config_json: string;
  config_hash: string;
  status: RunStatus;
  seed: number;
  epochs: number;
  backend: string | null;
  backend_reason: string | null;
  environment_json: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  error: string | null;
  warnings: string;
  interruptions: string;
  sweep_id: number | null;
  executor: 'local' | 'slurm';
  slurm_json: string | null;
  stopped_early_json: string | null;
}

const selectRun = `SELECT r.*, e.name AS experiment FROM runs r JOIN experiments e ON e.id = r.experiment_id`;

export function ensureExperiment(db: Db, name: string): number {
  stmt(db, 'INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT(name) DO NOTHING').run(name, nowIso());
  const row = stmt<[string], { id: number }>(db, 'SELECT id FROM experiments WHERE name = ?').get(name);
  if (!row) throw new Error(`experiment ${name} could not be created`);
  return row.id;
}

/** A new run, queued (its first training job) and held by this studio process; 'slurm': it waits for its cluster. */
export function insertRun(db: Db, config: RunConfig, configHash: string, executor: Executor = 'local'): number {
  return db.transaction(() => {
    const experimentId = ensureExperiment(db, config.experiment ?? 'Default');
    const info = stmt(
      db,
      `INSERT INTO runs (experiment_id, name, family, config_json, config_hash, status, seed, epochs, created_at, executor)
       VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
    ).run(
      experimentId,
      config.name ?? '',
      config.family,
      JSON.stringify(config),
      configHash,
      config.training.seed,
      config.training.epochs,
      nowIso(),
      executor,
    );
    const id = Number(info.lastInsertRowid);
    if (!config.name) stmt(db, 'UPDATE runs SET name = ? WHERE id = ?').run(`${config.family} #${id}`, id);
    insertTrainJob(db, id, null, config.training.epochs, executor);
    return id;
  })();
}

/** The run's worker has started it: the run and its training job are running. */
export function markRunning(db: Db, runId: number, environment: Environment): void {
  db.transaction(() => {
    const started = stmt(
      db,
      `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?), backend = ?, backend_reason = ?, environment_json = ?
       WHERE id = ? AND status = 'queued'`,
    ).run(nowIso(), environment.backend.name, environment.backend.reason, JSON.stringify(environment), runId);
    if (started.changes === 1) startTrainJob(db, runId);
  })();
}

/**
 * Moves a run (and its training job) to a final status once, as of `at` (now, unless it is known to have stopped
 * before); a run already finished keeps its first ending.
 */
export function finishRun(db: Db, runId: number, status: RunStatus, error: string | null, at: string = nowIso()): boolean {
  return db.transaction(() => {
    const info = stmt(
      db,
      `UPDATE runs SET status = ?, error = ?, ended_at = ? WHERE id = ? AND status IN ('queued','running')`,
    ).run(status, error, at, runId);
    if (info.changes === 0) return false;
    endTrainJob(db, runId, status, error, at);
    return true;
  })();
}

/** An interrupted run whose end was decided before its studio stopped (Hyperband's stop): it ends so. */
export function settleInterrupted(db: Db, runId: number, status: 'stopped', error: string): boolean {
  return (
    stmt(db, `UPDATE runs SET status = ?, error = ? WHERE id = ? AND status = 'interrupted'`).run(status, error, runId)
      .changes === 1
  );
}

/**
 * Training runs whose supervising studio is gone (train-jobs.ts, `orphanedTraining`) end as interrupted: its process
 * on this machine is dead (known at once, e.g. right after a restart), or its heartbeat is older than `staleAfterMs`
 * (a studio on another machine sharing the database, or a reused pid). `supervised` are this process's own. Queued
 * runs are jobs that outlive their studio: the next studio's scheduler adopts them.
 */
export function interruptStaleRuns(db: Db, staleAfterMs: number, supervised: readonly number[] = []): number[] {
  const cutoff = new Date(Date.now() - staleAfterMs).toISOString();
  return db.transaction(() =>
    orphanedTraining(db, cutoff, supervised)
      .filter((r) =>
        finishRun(
          db,
          r.runId,
          'interrupted',
          `${studioStopped} while this run was in progress (last heartbeat ${r.heartbeatAt ?? 'never'})`,
          // It stopped when its studio last said it was alive, not when another studio noticed (maybe hours later).
          r.heartbeatAt ?? nowIso(),
        ),
      )
      .map((r) => r.runId),
  )();
}

type Latest = z.infer<typeof LatestMetric>;

/** The latest metrics of many runs in one query, by run. */
export function latestByRun(db: Db, runIds: readonly number[] | null): Map<number, Latest[]> {
  const rows = stmt<[string | null, string | null], Latest & { runId: number }>(
    db,
    `SELECT run_id AS runId, split, name, value, step FROM latest_metrics
     WHERE ? IS NULL OR run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, split, name`,
  ).all(runIds ? JSON.stringify(runIds) : null, runIds ? JSON.stringify(runIds) : null);
  const byRun = new Map<number, Latest[]>();
  for (const { runId, ...m } of rows) {
    const list = byRun.get(runId);
    if (list) list.push(m);
    else byRun.set(runId, [m]);
  }
  return byRun;
}

/**
 * The epoch of each run's last test figures, for these runs (those that ended before their last epoch: the table says
 * which epoch their final figures are of).
 */
export function lastTestEpochs(db: Db, runIds: readonly number[]): Map<number, number> {
  if (runIds.length === 0) return new Map();
  const rows = stmt<[string], { runId: number; epoch: number }>(
    db,
    `SELECT run_id AS runId, max(epoch) AS epoch FROM metrics
     WHERE split = 'test' AND run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id`,
  ).all(JSON.stringify(runIds));
  return new Map(rows.map((r) => [r.runId, r.epoch]));
}

function toSummary(r: RunRow, latest: Latest[]): RunSummary {
  return {
    id: r.id,
    name: r.name,
    experiment: r.experiment,
    family: r.family,
    status: r.status,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    backend: r.backend,
    error: r.error,
    epochs: r.epochs,
    sweepId: r.sweep_id,
    // A run resumed here after its task ended is local again: its old task is no longer where it trains.
    slurm: r.executor === 'slurm' && r.slurm_json ? slurmRunInfo(JSON.parse(r.slurm_json) as SlurmTaskRecord) : null,
    stoppedEarly: r.stopped_early_json ? (JSON.parse(r.stopped_early_json) as StoppedEarly) : null,
    latest,
    ...labelsOf(r),
  };
}

/** Runs, newest first (all, or those of `runIds`), in two queries whatever their number. */
export function listRuns(db: Db, runIds?: readonly number[]): RunSummary[] {
  const ids = runIds ? JSON.stringify(runIds) : null;
  const rows = stmt<[string | null, string | null], RunRow>(
    db,
    `${selectRun} WHERE ? IS NULL OR r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id DESC`,
  ).all(ids, ids);
  const latest = latestByRun(db, runIds ?? null);
  return rows.map((r) => toSummary(r, latest.get(r.id) ?? []));
}

/** A run's row for tables, with how many starts its history has and the seconds those that ended trained. */
export type RunTableRow = RunRow & { sweep_params: string | null; train_starts: number; trained_seconds: number | null };

/** Runs with their configs, for tables: filtered by experiment, sweep or ids, in one query. */
export function runsWithConfigs(
  db: Db,
  filter: { experiment?: string | undefined; sweepId?: number | undefined; runIds?: readonly number[] | undefined },
): RunTableRow[] {
  const ids = filter.runIds ? JSON.stringify(filter.runIds) : null;
  return stmt<[string | null, string | null, number | null, number | null, string | null, string | null], RunTableRow>(
    db,
    `SELECT r.*, e.name AS experiment,
       (SELECT count(*) FROM jobs j WHERE j.run_id = r.id AND j.kind = 'train') AS train_starts,
       (SELECT sum(round((julianday(j.ended_at) - julianday(j.started_at)) * 86400000)) / 1000.0 FROM jobs j
        WHERE j.run_id = r.id AND j.kind = 'train' AND j.started_at IS NOT NULL AND j.ended_at IS NOT NULL) AS trained_seconds
     FROM runs r JOIN experiments e ON e.id = r.experiment_id
     WHERE (? IS NULL OR e.name = ?) AND (? IS NULL OR r.sweep_id = ?) AND (? IS NULL OR r.id IN (SELECT value FROM json_each(?)))
     ORDER BY r.id`,
  ).all(filter.experiment ?? null, filter.experiment ?? null, filter.sweepId ?? null, filter.sweepId ?? null, ids, ids);
}

/** A run's config alone (undefined for no such run). */
export function runConfig(db: Db, runId: number): RunConfig | undefined {
  const row = stmt<[number], { config_json: string }>(db, 'SELECT config_json FROM runs WHERE id = ?').get(runId);
  return row ? (JSON.parse(row.config_json) as RunConfig) : undefined;
}

export function getRunStatus(db: Db, runId: number): RunStatus | undefined {
  return stmt<[number], { status: RunStatus }>(db, 'SELECT status FROM runs WHERE id = ?').get(runId)?.status;
}

export function getRun(db: Db, runId: number): RunDetail | undefined {
  const r = stmt<[number], RunRow>(db, `${selectRun} WHERE r.id = ?`).get(runId);
  if (!r) return undefined;
  const checkpoints = stmt<[number], { epoch: number; step: number; path: string; sizeBytes: number }>(
    db,
    'SELECT epoch, step, path, size_bytes AS sizeBytes FROM checkpoints WHERE run_id = ? ORDER BY epoch',
  ).all(runId);
  return {
    ...toSummary(r, latestByRun(db, [runId]).get(runId) ?? []),
    config: JSON.parse(r.config_json) as RunConfig,
    configHash: r.config_hash,
    seed: r.seed,
    backendReason: r.backend_reason,
    environment: r.environment_json ? (JSON.parse(r.environment_json) as Environment) : null,
    warnings: JSON.parse(r.warnings) as string[],
    interruptions: JSON.parse(r.interruptions) as Interruption[],
    checkpoints,
    attempts: trainAttempts(db, runId),
  };
}

/** Records that early stopping ended the run (before it is marked completed). */
export function recordStoppedEarly(db: Db, runId: number, stoppedEarly: StoppedEarly): void {
  stmt(db, 'UPDATE runs SET stopped_early_json = ? WHERE id = ?').run(JSON.stringify(stoppedEarly), runId);
}

/** How early stopping ended the run, or null. */
export function stoppedEarlyOf(db: Db, runId: number): StoppedEarly | null {
  const r = stmt<[number], { stopped_early_json: string | null }>(db, 'SELECT stopped_early_json FROM runs WHERE id = ?').get(
    runId,
  );
  return r?.stopped_early_json ? (JSON.parse(r.stopped_early_json) as StoppedEarly) : null;
}

/** Appends a training-health warning; the same message is kept once. */
export function addWarning(db: Db, runId: number, message: string): void {
  stmt(
    db,
    `UPDATE runs SET warnings = json_insert(warnings, '$[#]', ?) WHERE id = ? AND NOT EXISTS (SELECT 1 FROM json_each(warnings) WHERE value = ?)`,
  ).run(message, runId, message);
}

export function deleteRun(db: Db, runId: number): boolean {
  return stmt(db, 'DELETE FROM runs WHERE id = ?').run(runId).changes > 0;
}

/** How the error of a run begins when its studio stopped under it (a shutdown or a crash), not the run itself. */
export const studioStopped = 'the studio stopped';

/** Runs interrupted because their studio stopped: what "resume interrupted runs at start" takes up. */
export function runsStoppedWithStudio(db: Db): number[] {
  return stmt<[string], { id: number }>(db, `SELECT id FROM runs WHERE status = 'interrupted' AND error LIKE ? ORDER BY id`)
    .all(`${studioStopped}%`)
    .map((r) => r.id);
}

export type { ResumePoint } from './train-jobs';

export interface Interruption {
  at: string;
  status: RunStatus;
  error: string | null;
  /** When the part of the run before it ended (absent in records older than this field). */
  endedAt?: string | null;
  /** The epoch whose checkpoint the run continued from (0: from the beginning). */
  resumedFromEpoch: number;
  /** The epochs it had before it was extended by more (absent where it continued as it was). */
  extendedFrom?: number;
}

/** A run asked to continue that is still queued or running (another studio may have started it). */
export class RunNotStoppedError extends Error {
  constructor(runId: number, status: RunStatus) {
    super(`run ${runId} is ${status}: it has not stopped`);
  }
}

/**
 * Puts a finished run back in the queue to continue from `from`: what it recorded after that point
 * (metrics, images, checkpoints) is removed, so its one curve continues exactly; the ending is kept as an
 * interruption on record. Returns the checkpoint files no longer referenced, for the caller to delete.
 */
export function requeueForResume(db: Db, runId: number, config: RunConfig, from: ResumePoint | null): string[] {
  return db.transaction(() => {
    const run = stmt<
      [number],
      { status: RunStatus; error: string | null; interruptions: string; ended_at: string | null; epochs: number }
    >(db, 'SELECT status, error, interruptions, ended_at, epochs FROM runs WHERE id = ?').get(runId);
    if (!run) throw new Error(`run ${runId} does not exist`);
    // Checked again inside the transaction: another studio may have started it since the caller looked.
    if (run.status === 'queued' || run.status === 'running') throw new RunNotStoppedError(runId, run.status);
    const step = from?.step ?? -1;
    const epoch = from?.epoch ?? 0;
    stmt(db, 'DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
    stmt(db, 'DELETE FROM latest_metrics WHERE run_id = ?').run(runId);
    stmt(
      db,
      `INSERT INTO latest_metrics (run_id, split, name, step, value)
       SELECT m.run_id, m.split, m.name, m.step, m.value FROM metrics m
       WHERE m.run_id = ? AND m.step = (SELECT max(step) FROM metrics x WHERE x.run_id = m.run_id AND x.split = m.split AND x.name = m.name)`,
    ).run(runId);
    stmt(db, 'DELETE FROM artifacts WHERE run_id = ? AND epoch > ?').run(runId, epoch);
    const dropped = stmt<[number, number], { path: string }>(db, 'SELECT path FROM checkpoints WHERE run_id = ? AND epoch > ?')
      .all(runId, epoch)
      .map((r) => r.path);
    stmt(db, 'DELETE FROM checkpoints WHERE run_id = ? AND epoch > ?').run(runId, epoch);
    const interruptions = JSON.parse(run.interruptions) as Interruption[];
    // More epochs than it had, or a completed run given more (one early stopping ended: fewer than it was set to).
    const extended = run.status === 'completed' || config.training.epochs > run.epochs;
    interruptions.push({
      at: nowIso(),
      status: run.status,
      error: run.error,
      resumedFromEpoch: epoch,
      endedAt: run.ended_at,
      ...(extended ? { extendedFrom: run.epochs } : {}),
    });
    stmt(
      db,
      `UPDATE runs SET status = 'queued', error = NULL, ended_at = NULL, config_json = ?, epochs = ?, interruptions = ?,
         executor = 'local', stopped_early_json = NULL WHERE id = ?`,
    ).run(JSON.stringify(config), config.training.epochs, JSON.stringify(interruptions), runId);
    // An extension interrupted before its first checkpoint goes on from where it began: its cosine restarts there again
    // (the checkpoint's kept cycle may be as long as the extended run, where an early-stopped run got its epochs back).
    const lastExtension = interruptions.filter((r) => r.extendedFrom !== undefined).at(-1);
    const restart = extended
      ? run.epochs
      : from && lastExtension && from.epoch <= lastExtension.resumedFromEpoch
        ? lastExtension.extendedFrom
        : undefined;
    insertTrainJob(
      db,
      runId,
      from && restart !== undefined ? { ...from, extendedFrom: restart } : from,
      config.training.epochs,
      'local',
    );
    return dropped;
  })();
}

export {
  activeSlurmRuns,
  getRunSlurm,
  setRunSlurm,
  slurmRunInfo,
  unsubmittedSlurmRuns,
  type SlurmTaskRecord,
} from './slurm-runs';

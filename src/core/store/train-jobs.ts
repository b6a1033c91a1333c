/**
 * Training as a job. Each start of a run (its first, and every resume or extension) is one row of the jobs table of
 * kind 'train', which holds what the attempt needs and who runs it: where it trains (this machine's queue or a Slurm
 * cluster), the checkpoint it continues from, the studio process that supervises it and that process's heartbeat.
 * The run keeps the research record (its status, error, interruptions; train-attempts.ts reads its history from
 * these jobs); the functions of runs.ts that move a run between states move its open job with it, in the same
 * transaction.
 */
import { hostname } from 'node:os';
import type { RunStatus } from '../../shared/api';
import { nowIso, type Db } from './db';
import { takeQueuedJob, type ClaimOptions } from './jobs';
import { stmt } from './statements';
import { attemptOutcome } from './train-attempts';
import { supervisedByMe, supervisorGone, type Supervised } from './supervisor';

export type Executor = 'local' | 'slurm';

/** What a resumed run continues from: a verified checkpoint, or null to start again from the beginning. */
export interface ResumePoint {
  path: string;
  sha256: string;
  epoch: number;
  step: number;
  /**
   * The epochs the run had before this continuation extended it: a cosine schedule starts a new cycle here, also from
   * a checkpoint older than the cycle it keeps (see StepPosition.cycleStart).
   */
  extendedFrom?: number;
}

/**
 * A training job's request: the checkpoint its run continues from (null: from the beginning) and the epochs it is to
 * reach (absent in records older than it).
 */
export interface TrainRequestRecord {
  resumeFrom: ResumePoint | null;
  epochs?: number;
}

/** Queues a new attempt of the run, to reach `epochs`, held by this studio process. */
export function insertTrainJob(
  db: Db,
  runId: number,
  resumeFrom: ResumePoint | null,
  epochs: number,
  executor: Executor,
): number {
  const now = nowIso();
  const request: TrainRequestRecord = { resumeFrom, epochs };
  return Number(
    stmt(
      db,
      `INSERT INTO jobs (kind, run_id, state, request_json, executor, supervisor_host, supervisor_pid, heartbeat_at, created_at)
       VALUES ('train', ?, 'queued', ?, ?, ?, ?, ?, ?)`,
    ).run(runId, JSON.stringify(request), executor, hostname(), process.pid, now, now).lastInsertRowid,
  );
}

interface OpenJobRow extends Supervised {
  id: number;
  state: 'queued' | 'running';
  request_json: string;
}

/** The run's attempt that is not over (queued or running), if any. */
function openTrainJob(db: Db, runId: number): OpenJobRow | undefined {
  return stmt<[number], OpenJobRow>(
    db,
    `SELECT id, state, request_json, supervisor_host, supervisor_pid, heartbeat_at FROM jobs
     WHERE run_id = ? AND kind = 'train' AND state IN ('queued','running') ORDER BY id DESC LIMIT 1`,
  ).get(runId);
}

/** The run's queued attempt starts (its worker said so). */
export function startTrainJob(db: Db, runId: number): void {
  const now = nowIso();
  stmt(
    db,
    `UPDATE jobs SET state = 'running', started_at = ?, heartbeat_at = ?
     WHERE run_id = ? AND kind = 'train' AND state = 'queued'`,
  ).run(now, now, runId);
}

/**
 * Ends the run's open attempt as the run ended: a run completed (or stopped by its sweep) completes it, a cancelled
 * one cancels it, and a failure or an interruption fails it with the error. Its result names the run's status.
 */
export function endTrainJob(db: Db, runId: number, status: RunStatus, error: string | null, at: string = nowIso()): void {
  const job = openTrainJob(db, runId);
  if (!job) return;
  const state = status === 'completed' || status === 'stopped' ? 'completed' : status === 'cancelled' ? 'cancelled' : 'failed';
  const outcome = attemptOutcome(db, runId, status, job.state === 'running');
  stmt(db, `UPDATE jobs SET state = ?, result_json = ?, error = ?, ended_at = ? WHERE id = ?`).run(
    state,
    JSON.stringify(outcome),
    error,
    at,
    job.id,
  );
}

/** Where the run's open attempt trains (a sweep's runs go to the cluster when it accepts them). */
export function setTrainJobExecutor(db: Db, runId: number, executor: Executor): void {
  stmt(db, `UPDATE jobs SET executor = ? WHERE run_id = ? AND kind = 'train' AND state IN ('queued','running')`).run(
    executor,
    runId,
  );
}

/**
 * Takes over the supervision of the run's open attempt (a Slurm run a studio before this one followed) when its
 * studio is gone; true when this process now holds it. A studio that lives (the app, beside a CLI command) keeps it.
 */
export function superviseTrainJob(db: Db, runId: number, staleAfterMs: number): boolean {
  const job = openTrainJob(db, runId);
  if (!job) return false;
  if (supervisedByMe(job)) return true;
  if (!supervisorGone(job, new Date(Date.now() - staleAfterMs).toISOString())) return false;
  return (
    stmt(
      db,
      `UPDATE jobs SET supervisor_host = ?, supervisor_pid = ?, heartbeat_at = ?
       WHERE id = ? AND state IN ('queued','running') AND supervisor_pid IS ? AND supervisor_host IS ?`,
    ).run(hostname(), process.pid, nowIso(), job.id, job.supervisor_pid, job.supervisor_host).changes === 1
  );
}

/** Whether this studio process holds the run's open attempt (it queued it, or adopted it). */
export function trainJobHeldHere(db: Db, runId: number): boolean {
  const job = openTrainJob(db, runId);
  return job !== undefined && supervisedByMe(job);
}

/** Whether another studio process that lives holds the run's open attempt (queued in its queue, or training). */
export function trainJobHeldElsewhere(db: Db, runId: number, staleAfterMs: number): boolean {
  const job = openTrainJob(db, runId);
  return job !== undefined && !supervisedByMe(job) && !supervisorGone(job, new Date(Date.now() - staleAfterMs).toISOString());
}

/** The studio process supervising the run's open attempt, as `host pid N`. */
export function trainJobSupervisor(db: Db, runId: number): string | null {
  const job = openTrainJob(db, runId);
  return job?.supervisor_pid ? `${job.supervisor_host ?? '?'} pid ${job.supervisor_pid}` : null;
}

/** What the scheduler needs to start a claimed attempt: its run, the run's config and where it continues from. */
export interface ClaimedTraining {
  jobId: number;
  runId: number;
  configJson: string;
  configHash: string;
  resumeFrom: ResumePoint | null;
}

/**
 * Claims a queued training job of this machine's queue for this process: one it holds, or (with `adopt`) one whose
 * studio is gone. Undefined when another live studio holds it, or it (or its run) is no longer queued.
 */
export function claimTrainJob(db: Db, jobId: number, options: ClaimOptions): ClaimedTraining | undefined {
  const r = stmt<[number], OpenJobRow & { run_id: number; config_json: string; config_hash: string }>(
    db,
    `SELECT j.id, j.state, j.request_json, j.supervisor_host, j.supervisor_pid, j.heartbeat_at, j.run_id,
            r.config_json, r.config_hash
     FROM jobs j JOIN runs r ON r.id = j.run_id
     WHERE j.id = ? AND j.kind = 'train' AND j.state = 'queued' AND j.executor = 'local' AND r.status = 'queued'`,
  ).get(jobId);
  if (!r || !takeQueuedJob(db, r, options)) return undefined;
  return {
    jobId: r.id,
    runId: r.run_id,
    configJson: r.config_json,
    configHash: r.config_hash,
    resumeFrom: (JSON.parse(r.request_json) as TrainRequestRecord).resumeFrom,
  };
}

/**
 * Runs training on this machine whose supervising studio is gone: dead on this machine, or silent since before
 * `cutoff`. `supervised` are the runs of this process, never taken for orphans. A Slurm run goes on on its cluster.
 */
export function orphanedTraining(
  db: Db,
  cutoff: string,
  supervised: readonly number[],
): { runId: number; heartbeatAt: string | null }[] {
  return stmt<[], Supervised & { run_id: number }>(
    db,
    `SELECT run_id, supervisor_host, supervisor_pid, heartbeat_at FROM jobs
     WHERE kind = 'train' AND state = 'running' AND executor = 'local'`,
  )
    .all()
    .filter((r) => !supervised.includes(r.run_id) && supervisorGone(r, cutoff))
    .map((r) => ({ runId: r.run_id, heartbeatAt: r.heartbeat_at }));
}

/** Takes the sweep's queued training whose studio is gone into this process's queue; returns how many. */
export function adoptQueuedTraining(
  db: Db,
  sweepId: number,
  alive: (host: string | null, pid: number | null) => boolean,
): number {
  const rows = stmt<[number], { id: number; supervisor_host: string | null; supervisor_pid: number | null }>(
    db,
    `SELECT j.id, j.supervisor_host, j.supervisor_pid FROM jobs j JOIN runs r ON r.id = j.run_id
     WHERE r.sweep_id = ? AND j.kind = 'train' AND j.state = 'queued'`,
  ).all(sweepId);
  // Only from the studio read as gone: another may have adopted it since.
  const take = stmt(
    db,
    `UPDATE jobs SET supervisor_host = ?, supervisor_pid = ?, heartbeat_at = ?
     WHERE id = ? AND state = 'queued' AND supervisor_pid IS ? AND supervisor_host IS ?`,
  );
  let n = 0;
  for (const r of rows) {
    if (!alive(r.supervisor_host, r.supervisor_pid))
      n += take.run(hostname(), process.pid, nowIso(), r.id, r.supervisor_pid, r.supervisor_host).changes;
  }
  return n;
}

/**
 * The jobs table: all the studio's work on a run, queued under the scheduler's limit: its training (one job per
 * start, resume or extension; train-jobs.ts), its evaluations and its learned priors. `queuedWork` reads the queue
 * in the order the work was asked for. An evaluation's or a prior's request is all a worker needs to start it again,
 * so one whose studio is gone is re-queued, never failed for that; its figures are its result. A training job whose
 * studio is gone ends its run as interrupted instead (the researcher resumes it from a checkpoint).
 */
import { hostname } from 'node:os';
import type { JobState } from '../../shared/api';
import type { RunConfig } from '../../shared/config';
import { pretrainingEpochs } from '../../families/run-config';
import { nowIso, type Db } from './db';
import { stmt } from './statements';
import { supervisedByMe, supervisorGone, type Supervised } from './supervisor';

export type JobKind = 'train' | 'evaluate' | 'prior';

export interface JobRecord {
  id: number;
  kind: JobKind;
  runId: number;
  state: JobState;
  request: Record<string, unknown>;
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  /** How often a studio took it over from one that had stopped. */
  restarts: number;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

interface JobRow extends Supervised {
  id: number;
  kind: JobKind;
  run_id: number;
  state: JobState;
  request_json: string;
  progress_json: string | null;
  result_json: string | null;
  error: string | null;
  restarts: number;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

const parse = (json: string | null) => (json === null ? null : (JSON.parse(json) as Record<string, unknown>));

function toJob(r: JobRow): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    runId: r.run_id,
    state: r.state,
    request: JSON.parse(r.request_json) as Record<string, unknown>,
    progress: parse(r.progress_json),
    result: parse(r.result_json),
    error: r.error,
    restarts: r.restarts,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** A new job, queued and held by this studio process. */
export function insertJob(db: Db, kind: JobKind, runId: number, request: Record<string, unknown>): number {
  const now = nowIso();
  const info = stmt(
    db,
    `INSERT INTO jobs (kind, run_id, state, request_json, supervisor_host, supervisor_pid, heartbeat_at, created_at)
     VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)`,
  ).run(kind, runId, JSON.stringify(request), hostname(), process.pid, now, now);
  return Number(info.lastInsertRowid);
}

export function getJob(db: Db, id: number): JobRecord | undefined {
  const row = stmt<[number], JobRow>(db, 'SELECT * FROM jobs WHERE id = ?').get(id);
  return row ? toJob(row) : undefined;
}

/** A run's jobs of one kind, oldest first. */
export function listJobs(db: Db, runId: number, kind: JobKind): JobRecord[] {
  return stmt<[number, string], JobRow>(db, 'SELECT * FROM jobs WHERE run_id = ? AND kind = ? ORDER BY id')
    .all(runId, kind)
    .map(toJob);
}

/** The run's newest job of a kind, optionally only among those in `state`. */
export function latestJob(db: Db, runId: number, kind: JobKind, state?: JobState): JobRecord | undefined {
  const row = stmt<[number, string, string | null, string | null], JobRow>(
    db,
    `SELECT * FROM jobs WHERE run_id = ? AND kind = ? AND (? IS NULL OR state = ?) ORDER BY id DESC LIMIT 1`,
  ).get(runId, kind, state ?? null, state ?? null);
  return row ? toJob(row) : undefined;
}

export function markJobRunning(db: Db, id: number): boolean {
  const now = nowIso();
  return (
    stmt(db, `UPDATE jobs SET state = 'running', started_at = ?, heartbeat_at = ? WHERE id = ? AND state = 'queued'`).run(
      now,
      now,
      id,
    ).changes === 1
  );
}

/** What a running job has done so far (a prior's curve); kept until it ends or starts again. */
export function recordJobProgress(db: Db, id: number, progress: Record<string, unknown>): void {
  stmt(db, `UPDATE jobs SET progress_json = ? WHERE id = ? AND state = 'running'`).run(JSON.stringify(progress), id);
}

/** Ends a job once; false when it had already ended (or went with its run). */
export function finishJob(
  db: Db,
  id: number,
  end: { state: 'completed'; result: Record<string, unknown> } | { state: 'failed' | 'cancelled'; error: string },
): boolean {
  const result = end.state === 'completed' ? JSON.stringify(end.result) : null;
  const error = end.state === 'completed' ? null : end.error;
  return (
    stmt(
      db,
      `UPDATE jobs SET state = ?, result_json = ?, error = ?, ended_at = ? WHERE id = ? AND state IN ('queued','running')`,
    ).run(end.state, result, error, nowIso(), id).changes === 1
  );
}

/** A running job whose worker was stopped with its studio waits again (it starts over from its request). */
export function requeueJob(db: Db, id: number): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET state = 'queued', progress_json = NULL, started_at = NULL, restarts = restarts + 1
       WHERE id = ? AND state = 'running'`,
    ).run(id).changes === 1
  );
}

/** The heartbeat of this studio on every job it holds. */
export function touchJobHeartbeats(db: Db): void {
  stmt(
    db,
    `UPDATE jobs SET heartbeat_at = ? WHERE state IN ('queued','running') AND supervisor_host = ? AND supervisor_pid = ?`,
  ).run(nowIso(), hostname(), process.pid);
}

/**
 * Jobs left running by a studio that is gone (killed, or silent past `staleAfterMs`) wait again; returns them.
 * `supervised` are this process's own, which are never taken for stale.
 */
export function requeueStaleJobs(db: Db, staleAfterMs: number, supervised: readonly number[]): JobRecord[] {
  const cutoff = new Date(Date.now() - staleAfterMs).toISOString();
  const stale = stmt<[], JobRow>(db, `SELECT * FROM jobs WHERE state = 'running' AND kind != 'train'`)
    .all()
    .filter((r) => !supervised.includes(r.id) && supervisorGone(r, cutoff));
  return stale.filter((r) => requeueJob(db, r.id)).map((r) => toJob({ ...r, state: 'queued' }));
}

/** Whether this studio process holds a job (it queued it, or took it over). */
export function jobHeldHere(db: Db, id: number): boolean {
  const r = stmt<[number], Supervised>(db, 'SELECT supervisor_host, supervisor_pid, heartbeat_at FROM jobs WHERE id = ?').get(id);
  return r !== undefined && supervisedByMe(r);
}

/** One queued job: its kind, its id and its run. */
export interface QueuedWork {
  kind: JobKind;
  id: number;
  runId: number;
}

/** Everything queued for this machine (not a Slurm cluster's): what was moved to the front, then first asked first. */
export function queuedWork(db: Db): QueuedWork[] {
  return stmt<[], QueuedWork>(
    db,
    `SELECT kind, id, run_id AS runId FROM jobs WHERE state = 'queued' AND executor = 'local'
     ORDER BY priority DESC, created_at, id`,
  ).all();
}

export interface ClaimOptions {
  /** Take work whose studio is gone, not only this process's own. */
  adopt: boolean;
  staleAfterMs: number;
}

/**
 * Takes a queued job (a row read with its supervisor) for this process: one it holds, or (with `adopt`) one whose
 * studio is gone. False when another live studio holds it, or it is no longer queued or no longer held as read.
 */
export function takeQueuedJob(db: Db, row: Supervised & { id: number }, options: ClaimOptions): boolean {
  const cutoff = new Date(Date.now() - options.staleAfterMs).toISOString();
  if (!supervisedByMe(row) && !(options.adopt && supervisorGone(row, cutoff))) return false;
  const claimed = stmt(
    db,
    `UPDATE jobs SET supervisor_host = ?, supervisor_pid = ?, heartbeat_at = ?
     WHERE id = ? AND state = 'queued' AND supervisor_pid IS ? AND supervisor_host IS ?`,
  ).run(hostname(), process.pid, nowIso(), row.id, row.supervisor_pid, row.supervisor_host);
  return claimed.changes === 1;
}

/** Moves a job of this machine's queue to its front (it starts next); false when it no longer waits there. */
export function moveJobToFront(db: Db, id: number): boolean {
  return (
    stmt(
      db,
      `UPDATE jobs SET priority = (SELECT coalesce(max(priority), 0) + 1 FROM jobs WHERE state = 'queued')
       WHERE id = ? AND state = 'queued' AND executor = 'local'`,
    ).run(id).changes === 1
  );
}

/** Claims a queued evaluation or prior for this process (takeQueuedJob); undefined when it cannot. */
export function claimJob(db: Db, id: number, options: ClaimOptions): JobRecord | undefined {
  const row = stmt<[number], JobRow>(db, `SELECT * FROM jobs WHERE id = ? AND state = 'queued' AND kind != 'train'`).get(id);
  return row && takeQueuedJob(db, row, options) ? toJob(row) : undefined;
}

/** A job not over, with its run's name and epochs and its supervisor. */
export interface OpenJobRecord extends JobRecord {
  executor: 'local' | 'slurm';
  runName: string;
  /** The epochs its run trains in all: its config's, after a phased family's pretraining. */
  runEpochs: number;
  /** Those of pretraining among them (0 for most families). */
  runPretraining: number;
  heldHere: boolean;
  holder: string | null;
}

/** The work not over: running first, then this machine's queue in the order it starts, then a cluster's. */
export function openJobs(db: Db): OpenJobRecord[] {
  return stmt<[], JobRow & { executor: 'local' | 'slurm'; run_name: string; run_epochs: number; run_config: string }>(
    db,
    `SELECT j.*, r.name AS run_name, r.epochs AS run_epochs, r.config_json AS run_config FROM jobs j JOIN runs r ON r.id = j.run_id
     WHERE j.state IN ('queued','running')
     ORDER BY j.state = 'running' DESC, j.executor = 'local' DESC, j.priority DESC, j.created_at, j.id`,
  )
    .all()
    .map((r) => {
      const pretraining = pretrainingEpochs(JSON.parse(r.run_config) as RunConfig);
      return {
        ...toJob(r),
        executor: r.executor,
        runName: r.run_name,
        runEpochs: pretraining + r.run_epochs,
        runPretraining: pretraining,
        heldHere: supervisedByMe(r),
        holder: r.supervisor_pid === null ? null : `${r.supervisor_host ?? '?'} pid ${r.supervisor_pid}`,
      };
    });
}

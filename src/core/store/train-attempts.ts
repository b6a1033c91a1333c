/**
 * A run's history: each of its training jobs (train-jobs.ts) read as an attempt. When an attempt ends, what only that
 * moment knows is kept in its job's result (the backend it trained on, its Slurm task, the epoch it reached), since
 * the run's own columns describe its latest attempt and a resume removes the checkpoints after its starting point.
 */
import { pretrainingEpochs } from '../../families/run-config';
import type { Environment, GpuAdapterInfo, RunAttempt, RunStatus } from '../../shared/api';
import type { RunConfig } from '../../shared/config';
import type { Db } from './db';
import type { SlurmTaskRecord } from './slurm-runs';
import { stmt } from './statements';
import type { TrainRequestRecord } from './train-jobs';

/** What an ended attempt keeps in its job's result. Records written before it held only `status`. */
export interface AttemptOutcome {
  status: RunStatus;
  backend?: string | null;
  adapter?: GpuAdapterInfo | null;
  slurm?: { jobId: string; taskId: number } | null;
  reachedEpoch?: number | null;
}

/** The latest attempt's circumstances, read from its run: its backend (if it started), task and last checkpoint. */
function circumstances(db: Db, runId: number, started: boolean): Omit<AttemptOutcome, 'status'> {
  const run = stmt<
    [number],
    { backend: string | null; environment_json: string | null; executor: string; slurm_json: string | null }
  >(db, 'SELECT backend, environment_json, executor, slurm_json FROM runs WHERE id = ?').get(runId);
  const reached = stmt<[number], { epoch: number | null }>(
    db,
    'SELECT max(epoch) AS epoch FROM checkpoints WHERE run_id = ?',
  ).get(runId);
  const adapter = run?.environment_json ? (JSON.parse(run.environment_json) as Environment).backend.adapter : undefined;
  const task = run?.executor === 'slurm' && run.slurm_json ? (JSON.parse(run.slurm_json) as SlurmTaskRecord) : null;
  return {
    backend: started ? (run?.backend ?? null) : null,
    adapter: started ? (adapter ?? null) : null,
    slurm: task ? { jobId: task.jobId, taskId: task.taskId } : null,
    reachedEpoch: reached?.epoch ?? null,
  };
}

/** The result to store with the run's open attempt as it ends with the run's `status`. */
export function attemptOutcome(db: Db, runId: number, status: RunStatus, started: boolean): AttemptOutcome {
  return { status, ...circumstances(db, runId, started) };
}

interface AttemptRow {
  id: number;
  state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  executor: 'local' | 'slurm';
  request_json: string;
  result_json: string | null;
  error: string | null;
  supervisor_host: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  run_epochs: number;
  run_config: string;
}

/** Every attempt of the run, the first first: ended ones as they ended, the open one as it stands now. */
export function trainAttempts(db: Db, runId: number): RunAttempt[] {
  const rows = stmt<[number], AttemptRow>(
    db,
    `SELECT j.id, j.state, j.executor, j.request_json, j.result_json, j.error, j.supervisor_host, j.created_at,
            j.started_at, j.ended_at, r.epochs AS run_epochs, r.config_json AS run_config
     FROM jobs j JOIN runs r ON r.id = j.run_id WHERE j.run_id = ? AND j.kind = 'train' ORDER BY j.id`,
  ).all(runId);
  // A request's epochs are the config's (`training.epochs`); a phased family trains its pretraining before them, and
  // the epochs it starts from and reaches count those too.
  const pretraining = rows[0] ? pretrainingEpochs(JSON.parse(rows[0].run_config) as RunConfig) : 0;
  return rows.map((r) => {
    const request = JSON.parse(r.request_json) as TrainRequestRecord;
    const open = r.state === 'queued' || r.state === 'running';
    const outcome: Partial<AttemptOutcome> = open
      ? circumstances(db, runId, r.started_at !== null)
      : r.result_json
        ? (JSON.parse(r.result_json) as AttemptOutcome)
        : {};
    return {
      id: r.id,
      // An attempt that ended before the studio kept its circumstances says only how it ended.
      recorded: open || 'reachedEpoch' in outcome,
      // A job's states are run statuses too; an ended one's result says how the run ended (stopped, interrupted).
      status: open ? r.state : (outcome.status ?? r.state),
      error: r.error,
      executor: r.executor,
      host: r.supervisor_host,
      slurm: outcome.slurm ?? null,
      backend: outcome.backend ?? null,
      adapter: outcome.adapter ?? null,
      fromEpoch: request.resumeFrom?.epoch ?? 0,
      // Records older than `epochs` in the request: the run's target, which an ended attempt may no longer share.
      toEpoch: pretraining + (request.epochs ?? r.run_epochs),
      reachedEpoch: outcome.reachedEpoch ?? null,
      queuedAt: r.created_at,
      startedAt: r.started_at,
      endedAt: r.ended_at,
    };
  });
}

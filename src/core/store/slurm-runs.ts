/** Runs that train on a Slurm cluster: their task as stored with the run, and the studio that follows them. */
import type { RunConfig } from '../../shared/config';
import type { Db } from './db';
import { stmt } from './statements';
import { setTrainJobExecutor, type Executor } from './train-jobs';

/** A run's Slurm task as stored: where it is on the cluster, its folder, and how much of its event log is ingested. */
export interface SlurmTaskRecord {
  jobId: string;
  taskId: number;
  state: string;
  /** The task's folder in the shared folder (request.json, events.jsonl, checkpoints/). */
  dir: string;
  /** Bytes of events.jsonl already ingested into this database. */
  offset: number;
  /** Why it waits, while PENDING (squeue's %r: Priority, Resources, PartitionTimeLimit, …). */
  reason?: string;
}

/** What the API shows of a task (its folder and read position stay the studio's). */
export function slurmRunInfo(r: SlurmTaskRecord): { jobId: string; taskId: number; state: string; reason?: string } {
  return { jobId: r.jobId, taskId: r.taskId, state: r.state, ...(r.reason ? { reason: r.reason } : {}) };
}

export function setRunSlurm(db: Db, runId: number, record: SlurmTaskRecord, executor: Executor = 'slurm'): void {
  db.transaction(() => {
    stmt(db, `UPDATE runs SET slurm_json = ?, executor = ? WHERE id = ?`).run(JSON.stringify(record), executor, runId);
    setTrainJobExecutor(db, runId, executor);
  })();
}

export function getRunSlurm(db: Db, runId: number): { executor: 'local' | 'slurm'; record: SlurmTaskRecord | null } {
  const row = stmt<[number], { executor: 'local' | 'slurm'; slurm_json: string | null }>(
    db,
    'SELECT executor, slurm_json FROM runs WHERE id = ?',
  ).get(runId);
  return { executor: row?.executor ?? 'local', record: row?.slurm_json ? (JSON.parse(row.slurm_json) as SlurmTaskRecord) : null };
}

/** Runs on a Slurm cluster that are not over: the studio follows them (again, after a restart). */
export function activeSlurmRuns(db: Db): { id: number; config: RunConfig; configHash: string; record: SlurmTaskRecord }[] {
  return stmt<[], { id: number; config_json: string; config_hash: string; slurm_json: string }>(
    db,
    `SELECT id, config_json, config_hash, slurm_json FROM runs
     WHERE executor = 'slurm' AND status IN ('queued','running') AND slurm_json IS NOT NULL ORDER BY id`,
  )
    .all()
    .map((r) => ({
      id: r.id,
      config: JSON.parse(r.config_json) as RunConfig,
      configHash: r.config_hash,
      record: JSON.parse(r.slurm_json) as SlurmTaskRecord,
    }));
}

/** Runs queued for a Slurm cluster that no task was recorded for: a studio stopped while `sbatch` ran. */
export function unsubmittedSlurmRuns(db: Db): number[] {
  return stmt<[], { id: number }>(
    db,
    `SELECT id FROM runs WHERE executor = 'slurm' AND status = 'queued' AND slurm_json IS NULL ORDER BY id`,
  )
    .all()
    .map((r) => r.id);
}

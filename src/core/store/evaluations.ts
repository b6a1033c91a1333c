import type { Evaluation, EvaluationDetails, EvaluationKind, EvaluationStep } from '../../shared/api';
import { nowIso, type Db } from './db';
import { getJob, listJobs, type JobRecord } from './jobs';
import { stmt } from './statements';
import type { PixelBaseline } from '../training/protocol';

/** What a completed evaluation keeps: headline figures (the runs table's `eval.*` columns), the rest, and its settings. */
export interface EvaluationResults {
  figures: Record<string, number>;
  details: EvaluationDetails;
  settings?: Record<string, unknown>;
}

/** What an evaluation job asks of its worker; every field a restart needs. */
export interface EvaluationJobRequest {
  what: EvaluationKind[];
  seed: number;
  /** The checkpoint's epoch. */
  epoch: number;
  nllSamples?: number;
  scorePoints?: number;
  /** Images drawn for MIG, SAP and DCI; null, or absent in jobs queued before the choice: the test split's. */
  disentanglementPoints?: number | null;
  /** The settings known before it runs (the worker's answer completes them). */
  settings: Record<string, unknown>;
}

export function toEvaluation(job: JobRecord): Evaluation {
  const request = job.request as unknown as EvaluationJobRequest;
  const results = (job.result ?? { figures: {}, details: {} }) as unknown as EvaluationResults;
  return {
    id: job.id,
    runId: job.runId,
    what: request.what,
    settings: results.settings ?? request.settings,
    seed: request.seed,
    epoch: request.epoch,
    status: job.state,
    // The step it is on, while it runs (a finished one's last step is history).
    ...(job.state === 'running' && job.progress?.['step'] ? { step: job.progress['step'] as EvaluationStep } : {}),
    figures: results.figures,
    details: results.details,
    error: job.error,
    createdAt: job.createdAt,
    endedAt: job.endedAt,
  };
}

export function getEvaluation(db: Db, id: number): Evaluation | undefined {
  const job = getJob(db, id);
  return job?.kind === 'evaluate' ? toEvaluation(job) : undefined;
}

/** A run's evaluations, oldest first. */
export function listEvaluations(db: Db, runId: number): Evaluation[] {
  return listJobs(db, runId, 'evaluate').map(toEvaluation);
}

/**
 * Each run's evaluation figures in one query: per figure name, the value of the newest completed evaluation
 * that has it (so a clustering evaluation and a later likelihood one both show), with the epoch of the checkpoint
 * it evaluated. `runIds` null reads every run.
 */
export function latestEvaluationFigures(
  db: Db,
  runIds: readonly number[] | null,
): Map<number, Record<string, { value: number; epoch: number }>> {
  const ids = runIds ? JSON.stringify(runIds) : null;
  const rows = stmt<[string | null, string | null], { runId: number; name: string; value: number | null; epoch: number | null }>(
    db,
    `SELECT e.run_id AS runId, f.key AS name, f.value AS value, json_extract(e.request_json, '$.epoch') AS epoch
     FROM jobs e, json_each(e.result_json, '$.figures') f
     WHERE e.kind = 'evaluate' AND e.state = 'completed' AND (? IS NULL OR e.run_id IN (SELECT value FROM json_each(?)))
     ORDER BY e.run_id, e.id`,
  ).all(ids, ids);
  const byRun = new Map<number, Record<string, { value: number; epoch: number }>>();
  for (const { runId, name, value, epoch } of rows) {
    if (typeof value !== 'number') continue;
    let figures = byRun.get(runId);
    if (!figures) byRun.set(runId, (figures = {}));
    figures[name] = { value, epoch: epoch ?? 0 };
  }
  return byRun;
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

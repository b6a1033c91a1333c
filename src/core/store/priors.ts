import type { MetricPoint } from '../../shared/api';
import type { Prior } from '../../shared/prior';
import type { PriorEpoch } from '../prior/messages';
import type { Db } from './db';
import { finishJob, latestJob, type JobRecord } from './jobs';
import { writeMetrics } from './metrics';
import type { ResumePoint } from './runs';
import { stmt } from './statements';

/** What a prior job asks of its worker; every field a restart needs. */
export interface PriorJobRequest {
  epochs: number;
  seed: number;
  /** The VQ-VAE checkpoint whose codes it models. */
  checkpoint: ResumePoint;
  settings: Record<string, unknown>;
}

/** What a completed prior keeps: figures, curve, settings and its checkpoint file. */
export interface PriorResult {
  figures: Record<string, number>;
  curve: PriorEpoch[];
  settings: Record<string, unknown>;
  file: { path: string; sha256: string; sizeBytes: number };
}

export function toPrior(job: JobRecord): Prior {
  const request = job.request as unknown as PriorJobRequest;
  const result = job.result as unknown as PriorResult | null;
  const curve = result?.curve ?? ((job.progress?.['curve'] ?? []) as PriorEpoch[]);
  return {
    jobId: job.id,
    runId: job.runId,
    status: job.state,
    epochs: request.epochs,
    seed: request.seed,
    checkpointEpoch: request.checkpoint.epoch,
    figures: result?.figures ?? {},
    curve: curve.map(({ epoch, trainNllBits, testNllBits, seconds }) => ({ epoch, trainNllBits, testNllBits, seconds })),
    settings: result?.settings ?? request.settings,
    error: job.error,
    createdAt: job.createdAt,
    endedAt: job.endedAt,
  };
}

/**
 * Ends a prior as completed once (false when it had already ended, or went with its run): it keeps its figures and
 * checkpoint, and its curve replaces the run's metrics of split 'prior' (step = the prior's epoch).
 */
export function completePrior(db: Db, job: JobRecord, result: PriorResult): boolean {
  return db.transaction(() => {
    if (!finishJob(db, job.id, { state: 'completed', result: { ...result } })) return false;
    stmt(db, `DELETE FROM metrics WHERE run_id = ? AND split = 'prior'`).run(job.runId);
    stmt(db, `DELETE FROM latest_metrics WHERE run_id = ? AND split = 'prior'`).run(job.runId);
    writeMetrics(db, job.runId, priorMetrics(result.curve, result.figures));
    return true;
  })();
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
  const job = latestJob(db, runId, 'prior');
  return job ? toPrior(job) : undefined;
}

/** The run's newest completed prior, with its checkpoint file and the VQ-VAE checkpoint it was trained on. */
export function latestCompletedPrior(
  db: Db,
  runId: number,
): { jobId: number; path: string; sha256: string; checkpoint: ResumePoint } | undefined {
  const job = latestJob(db, runId, 'prior', 'completed');
  const file = (job?.result as unknown as PriorResult | null)?.file;
  if (!job || !file?.path || !file.sha256) return undefined;
  return {
    jobId: job.id,
    path: file.path,
    sha256: file.sha256,
    checkpoint: (job.request as unknown as PriorJobRequest).checkpoint,
  };
}

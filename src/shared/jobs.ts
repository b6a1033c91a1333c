import { z } from 'zod';

/**
 * The states of a job: a start of a run's training, an evaluation, a learned prior. An evaluation or a prior left
 * running by a studio that stopped waits again as `queued`; a training job ends then (its run is interrupted);
 * `cancelled` is the user's.
 */
export const JobState = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);
export type JobState = z.infer<typeof JobState>;
export const JobId = z.number().int().positive();

export const RunId = z.number().int().positive();

/** The kinds of work, each a job of the studio's one table. */
export const JobKind = z.enum(['train', 'evaluate', 'prior']);
export type JobKind = z.infer<typeof JobKind>;

/** A job not over yet, as the queue shows it. */
export const OpenJob = z.object({
  id: JobId,
  kind: JobKind,
  runId: RunId,
  runName: z.string(),
  /** `running`: it holds a worker (a run whose worker is starting counts). */
  state: z.enum(['queued', 'running']),
  /** Where it runs: this machine's queue, or a Slurm cluster's. */
  executor: z.enum(['local', 'slurm']),
  /** What it does, in words: "10 epochs", "epochs 4–10 (resumed)", "epochs 11–15 (extended)", "clustering, probe at epoch 10". */
  detail: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  /** Whether this studio process holds it (only it can cancel it); else who does, as "host pid N". */
  heldHere: z.boolean(),
  holder: z.string().nullable(),
});
export type OpenJob = z.infer<typeof OpenJob>;

/** The job scheduler: how many workers may train at once, and what it holds now. */
export const SchedulerInfo = z.object({
  maxConcurrent: z.number().int(),
  defaultMaxConcurrent: z.number().int(),
  /** Threads each worker's backend gets: its share of the cores under the limit. */
  threadsPerWorker: z.number().int(),
  cores: z.number().int(),
  /** Work holding a slot now: training runs, evaluations and priors together. */
  running: z.number().int(),
  /** Work waiting for a slot, of every kind. */
  queued: z.number().int(),
  /** Of those, by kind (`train`, `evaluate`, `prior`). */
  byKind: z.record(z.string(), z.object({ running: z.number().int(), queued: z.number().int() })),
  /** Light work beside the limit, counted but not waiting for a slot: explorer sessions and one-shot requests (export, sample, latents). */
  light: z.number().int(),
  /** Runs interrupted because the studio stopped are resumed when it starts again. */
  autoResume: z.boolean(),
  /**
   * Held: the app and the host start nothing queued until it is released; what runs goes on, a CLI command still
   * runs what it was asked for, and a Slurm cluster's queue is its own.
   */
  paused: z.boolean(),
});
export type SchedulerInfo = z.infer<typeof SchedulerInfo>;

import { z } from 'zod';
import { JobId, JobState } from './jobs';

/**
 * A VQ-VAE's learned prior (a PixelCNN over its grid of code indices, trained as a second stage of the run) and
 * samples of a run's model: from N(0, I) for the VAE families, per class for the CVAE, from the learned prior for a
 * VQ-VAE that has one.
 */

const RunId = z.number().int().positive();
export const PriorJobId = JobId;
export const PriorStatus = JobState;
export type PriorStatus = JobState;

/** Most samples one `runs.sample` answers (per class for the CVAE). */
export const sampleMax = 1000;

export const PriorEpochFigures = z.object({
  epoch: z.number().int(),
  /** Mean negative log-likelihood in bits per code position after the epoch, over the first training grids (as many as the test has). */
  trainNllBits: z.number(),
  /** The same over the test grids after the epoch. */
  testNllBits: z.number(),
  seconds: z.number(),
});

/** A run's learned prior: the job, its settings, its figures (bits per code position) and its checkpoint. */
export const Prior = z.object({
  jobId: PriorJobId,
  runId: RunId,
  status: PriorStatus,
  epochs: z.number().int(),
  seed: z.number().int(),
  /** The epoch of the VQ-VAE checkpoint whose codes it models (and whose decoder its samples go through). */
  checkpointEpoch: z.number().int(),
  /**
   * `nll_bits` (test NLL), `train_nll_bits`, and baselines on the same test codes: `unigram_bits` (the training
   * codes' frequencies, add-½ smoothed), `position_unigram_bits` (the same for each position), `uniform_bits` (log2 K).
   */
  figures: z.record(z.string(), z.number()),
  curve: z.array(PriorEpochFigures),
  /** The architecture, training settings and data it saw. */
  settings: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  /**
   * The prior samples are drawn from (`runs.sample`): the run's newest completed one, this one once it completes;
   * while a newer one trains, or after it failed, an earlier one (null: none yet). Answered by `prior.get`.
   */
  samplesFrom: z.object({ jobId: PriorJobId, nllBits: z.number().nullable() }).nullable().optional(),
});
export type Prior = z.infer<typeof Prior>;

export const PriorRequest = z.strictObject({
  runId: RunId,
  epochs: z.number().int().min(1).max(1000).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
});

export const SampleRequest = z.strictObject({
  runId: RunId,
  /** Samples, or samples per class for the CVAE. */
  n: z.number().int().min(1).max(sampleMax),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** The CVAE: only this class (by label value). */
  class: z.number().int().min(0).max(255).optional(),
  /**
   * A learned prior's temperature: its logits divided by it before each code is drawn (1, the default: the prior
   * itself; below 1 sharper and more typical, above 1 more varied). Only for a VQ-VAE's learned prior.
   */
  temperature: z.number().gt(0).max(100).optional(),
});

export const SampleSet = z.object({
  runId: RunId,
  family: z.string(),
  /**
   * Where they come from: z ~ N(0, I), the same with each class, the VampPrior, the model's own prior where it is a
   * mixture (an AAE's), or the learned prior's code grids.
   */
  source: z.enum(['gaussian', 'conditional', 'vamp', 'mixture', 'prior']),
  /** The checkpoint's epoch. */
  epoch: z.number().int(),
  seed: z.number().int(),
  /** The learned prior's job, for a VQ-VAE, and the temperature its codes were drawn at. */
  priorJobId: PriorJobId.nullable(),
  temperature: z.number().optional(),
  width: z.number().int(),
  height: z.number().int(),
  channels: z.number().int(),
  /** One PNG (base64) per sample, class by class for the CVAE; `label` is the class asked for. */
  samples: z.array(z.object({ png: z.string(), label: z.number().int().nullable() })),
});
export type SampleSet = z.infer<typeof SampleSet>;

export const priorCommands = {
  /** Trains a PixelCNN prior over a stopped VQ-VAE run's code grids in a worker; it ends with `prior.status`. */
  'prior.start': { input: PriorRequest, output: z.object({ jobId: PriorJobId }) },
  /** The run's newest learned prior (null when it has none yet). */
  'prior.get': { input: z.strictObject({ runId: RunId }), output: Prior.nullable() },
  /** Samples of a run's model as PNGs, deterministic for a seed. */
  'runs.sample': { input: SampleRequest, output: SampleSet },
} as const;

export const priorEvents = {
  /** A learned prior was queued, started, finished an epoch (`epoch`), completed (with its figures) or failed. */
  'prior.status': z.object({
    jobId: PriorJobId,
    runId: RunId,
    status: PriorStatus,
    error: z.string().nullable(),
    epoch: z.number().int().nullable(),
    epochs: z.number().int(),
    figures: z.record(z.string(), z.number()),
  }),
} as const;

/**
 * Where the PixelCNN's reach falls short of its grid (a wide RQ-VAE grid, a large map: its blocks stop at six), how
 * much of the past its positions see; null where every position sees all of it (or an older prior did not say).
 */
export function priorContextNote(settings: Readonly<Record<string, unknown>>): string | null {
  const architecture = settings['architecture'] as { visibleContext?: unknown; worstContext?: unknown } | undefined;
  const mean = architecture?.visibleContext;
  if (typeof mean !== 'number' || mean >= 1) return null;
  const worst = architecture?.worstContext;
  const percent = (v: number) => `${Math.round(100 * v)} %`;
  return (
    `This grid is wider than the network's reach: a position's logits see ${percent(mean)} of the positions before it ` +
    `on average${typeof worst === 'number' ? ` (the least-seeing one ${percent(worst)})` : ''}, so its NLL is that of a prior ` +
    'that sees part of the past.'
  );
}

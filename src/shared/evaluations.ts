/** The contract's evaluations of a run's latent space: their request, status, figures and details. */
import { z } from 'zod';
import { EvaluationKind, EvaluationSettings } from './evaluation-kinds';
import { JobId, JobState, RunId } from './jobs';

export { EvaluationKind };
export const EvaluationStatus = JobState;
export type EvaluationStatus = JobState;
export const EvaluationId = JobId;

/** Counts of labels (rows) against clusters (columns). */
export const ConfusionMatrix = z.object({
  labels: z.array(z.number()),
  clusters: z.array(z.number()),
  counts: z.array(z.array(z.number().int())),
});

/** What an evaluation keeps besides its headline figures: what the run view draws (confusion matrices, the MI heat map). */
export const EvaluationDetails = z.object({
  /** Seconds each part took in the worker ('encode', 'clustering', 'probe', 'disentanglement', 'nll'). */
  seconds: z.record(z.string(), z.number()).optional(),
  clustering: z
    .object({
      clusters: z.number().int(),
      images: z.number().int(),
      /** By algorithm and features: 'kmeans', 'gmm' (codes), 'pixels_kmeans' (raw pixels, the baseline). */
      confusion: z.record(z.string(), ConfusionMatrix),
    })
    .optional(),
  probes: z
    .array(
      z.object({
        features: z.enum(['codes', 'pixels']),
        labelsPerClass: z.number().int(),
        trainSize: z.number().int(),
        accuracies: z.array(z.number()),
        meanAccuracy: z.number(),
        stdAccuracy: z.number(),
      }),
    )
    .optional(),
  nll: z
    .object({
      samples: z.number().int(),
      images: z.number().int(),
      /** The decoder's likelihood the estimate assumes (from the run's reconstruction loss). */
      likelihood: z.string(),
      activeUnits: z.number().int(),
      posteriorMeanVariances: z.array(z.number()),
    })
    .optional(),
  disentanglement: z
    .object({
      /** The images MIG is computed on. */
      images: z.number().int(),
      /**
       * Whether the rows were drawn afresh from the set's generator (disentanglement_lib's sampling), else the test
       * split's images. Absent in evaluations from before the choice: the test split.
       */
      drawn: z.boolean().optional(),
      /** SAP's and DCI's training and test rows (absent before: two thirds and one third of `images`). */
      splitRows: z.object({ train: z.number().int(), test: z.number().int() }).optional(),
      /** The factors scored: those that vary in these images. */
      factors: z.array(z.string()),
      /** Factors of one value here, left out of MIG, SAP and DCI (as Locatello et al. leave them out). */
      constantFactors: z.array(z.string()).optional(),
      /** mutualInformation[factor][latent] in nats: the heat map. */
      mutualInformation: z.array(z.array(z.number())),
      factorEntropies: z.array(z.number()),
      /**
       * chanceInformation[factor][latent] in nats: the estimate with the factor's values shuffled (95th percentile of
       * 99 shuffles), what a code independent of the factor reaches at these images. Absent in older evaluations.
       */
      chanceInformation: z.array(z.array(z.number())).optional(),
      /** Normalised gap per factor (null for a constant factor). */
      migGapPerFactor: z.array(z.number().nullable()),
      /** sapScores[latent][factor]. */
      sapScores: z.array(z.array(z.number())),
      /** dciImportance[latent][factor]. */
      dciImportance: z.array(z.array(z.number())),
      /** The β-VAE score's classifier accuracies (generated sets: images rendered with one factor fixed). */
      betaVaeScore: z.object({ trainAccuracy: z.number(), evalAccuracy: z.number() }).optional(),
      /** The FactorVAE score's accuracies, kept dimensions and its votes[factor][latent]. */
      factorVaeScore: z
        .object({
          trainAccuracy: z.number(),
          evalAccuracy: z.number(),
          activeDims: z.number().int(),
          votes: z.array(z.array(z.number())),
        })
        .optional(),
    })
    .optional(),
});
export type EvaluationDetails = z.infer<typeof EvaluationDetails>;

/** The step a running evaluation is on: "the β-VAE score", 5 of 6. */
export const EvaluationStep = z.object({ words: z.string(), at: z.number().int().min(1), steps: z.number().int().min(1) });
export type EvaluationStep = z.infer<typeof EvaluationStep>;

/** One evaluation of a run at one checkpoint: its settings and seed, and its figures once it has completed. */
export const Evaluation = z.object({
  id: EvaluationId,
  runId: RunId,
  what: z.array(EvaluationKind),
  /** Every setting the metrics ran with (their defaults included), so a figure can be recomputed. */
  settings: z.record(z.string(), z.unknown()),
  seed: z.number().int(),
  /** The checkpoint's epoch. */
  epoch: z.number().int(),
  status: EvaluationStatus,
  /** While it runs: the step it is on, in words, its place (from 1) and how many there are. */
  step: EvaluationStep.optional(),
  /** Headline figures by name (`kmeans_acc`, `probe_100_acc`, `mig`, `iw_nll`, …); the runs table shows them as `eval.<name>`. */
  figures: z.record(z.string(), z.number()),
  details: EvaluationDetails,
  error: z.string().nullable(),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
});
export type Evaluation = z.infer<typeof Evaluation>;

export const EvaluationRequest = EvaluationSettings.extend({
  runId: RunId,
  /** The checkpoint of this epoch (default: the best kept one when early stopping ended the run, else the newest that verifies). */
  epoch: z.number().int().min(0).optional(),
});
export type EvaluationRequest = z.infer<typeof EvaluationRequest>;

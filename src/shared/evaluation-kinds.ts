import { z } from 'zod';

/** What an evaluation judges: k-means and a mixture on the codes, few-label probes, disentanglement, likelihood. */
export const EvaluationKind = z.enum(['clustering', 'probe', 'disentanglement', 'nll']);
export type EvaluationKind = z.infer<typeof EvaluationKind>;

/** The settings of an evaluation besides the run and the checkpoint (evaluations.start, and a sweep's `evaluate`). */
export const EvaluationSettings = z.strictObject({
  what: z.array(EvaluationKind).min(1).max(4),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  /** Importance samples per image for 'nll' (default 100). */
  nllSamples: z.number().int().min(1).max(5000).optional(),
  /**
   * Training points of the β-VAE and FactorVAE scores ('disentanglement' on a generated set); each evaluates on half
   * as many. disentanglement_lib's study uses 10,000 (64 image pairs each): the default here is 1,000, and the
   * settings stored with the evaluation say which was used.
   */
  scorePoints: z.number().int().min(10).max(10000).optional(),
});
export type EvaluationSettings = z.infer<typeof EvaluationSettings>;

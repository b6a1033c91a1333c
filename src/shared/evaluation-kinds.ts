import { z } from 'zod';

/** What an evaluation judges: k-means and a mixture on the codes, few-label probes, disentanglement, likelihood. */
export const EvaluationKind = z.enum(['clustering', 'probe', 'disentanglement', 'nll']);
export type EvaluationKind = z.infer<typeof EvaluationKind>;

/**
 * Images MIG is computed on, and SAP and DCI train on, where the run's set is generated (disentanglement_lib's
 * mig.num_train, dci.num_train and sap_score.num_train in its study: 10,000); SAP and DCI test on half as many more.
 */
export const defaultDisentanglementPoints = 10000;

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
  /**
   * 'disentanglement' on a generated set: MIG, SAP and DCI are computed on images rendered afresh from factors drawn
   * from the generator, as disentanglement_lib samples its ground-truth data: MIG on this many, SAP and DCI trained on
   * them and tested on half as many more (default `defaultDisentanglementPoints`, the reference's). Fewer rows bias
   * the scores (DCI most: its trees see less). null: the test split's images instead (held-out images, as evaluations
   * from before the choice read). Without a generator (a subset of classes, a pair of sets) they read the test split's
   * images, whatever this says.
   */
  disentanglementPoints: z.number().int().min(100).max(20000).nullable().optional(),
});
export type EvaluationSettings = z.infer<typeof EvaluationSettings>;

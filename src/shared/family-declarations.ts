import { z } from 'zod';

/*
 * What a model family declares of itself for the renderer (its figures, its run view's panels, a pairing of data
 * sets): part of the contract, so that `families.list` can hand a family registered at start to a renderer that
 * has never seen its code. The families (src/families/family-spec.ts) write their specs with these.
 */

/**
 * A figure a family reports besides the loss (a part of its loss, or a metric of its test hooks), as the
 * run view lists it. Its value is the latest test metric of that name.
 */
export const MetricDeclaration = z.object({
  /** The stored metric's name, e.g. 'neg_elbo'; with `perDimension`, the name views use for the whole set. */
  name: z.string(),
  label: z.string(),
  /** Shown with the label, e.g. 'nats'. */
  unit: z.string().optional(),
  /** 'number' (with `digits` decimals, default 4), 'percent' (a share of 1), or 'count' (an integer, "n / d" with `outOf`). */
  format: z.enum(['number', 'percent', 'count']).optional(),
  digits: z.number().int().min(0).max(8).optional(),
  /** The family's headline figure: listed first in the run view and compared across runs. */
  headline: z.boolean().optional(),
  /**
   * Measured alike whatever the family's loss weights (β, a penalty's weight: the fields marked `scalesLoss`): what runs
   * that differ in them are compared by (the −ELBO, where the loss is rec + β·KL). A comparison opens on it, and a
   * sweep whose objective is the loss is told to judge by it.
   */
  comparable: z.boolean().optional(),
  /**
   * Another metric of the same run this one should end below (lower is better for both): a denoiser's denoised MSE
   * against its noisy inputs' MSE. A finished run where it does not is warned about on its page.
   */
  shouldBeat: z.string().optional(),
  /** One metric per latent dimension, named `<perDimension><d>` for d = 0, 1, … (e.g. 'kl_dim_'); not listed as a row. */
  perDimension: z.string().optional(),
  /** For a count of dimensions: the per-dimension metric whose dimensions it counts out of ("7 / 10"). */
  outOf: z.string().optional(),
  /** The training losses under which it is reported (a −ELBO needs a likelihood, which smooth L1 is not); all if absent. */
  losses: z.array(z.string()).optional(),
  /**
   * Measured on the whole test split alone at each epoch's end (the model's epochMetrics: DEC's cluster accuracy
   * with the labels, the deepfake's swap error over twin pairs), never on a validation split.
   */
  testOnly: z.boolean().optional(),
  /** Reported only where the data set gives what it needs: labels (DEC's accuracy), a twin pair (the deepfake's swap). */
  needs: z.enum(['labels', 'twinSets']).optional(),
  /** Measured once, after the last epoch (the model's afterTraining hook): no rule that reads each epoch can read it. */
  afterTraining: z.boolean().optional(),
  /**
   * A value the training sets rather than measures (a KL warm-up's β so far): logged beside the figures, but no
   * objective a sweep may optimise (minimising it picks the smallest β, not the best model).
   */
  setting: z.boolean().optional(),
});
export type MetricDeclaration = z.infer<typeof MetricDeclaration>;

/**
 * A panel of the run view. Artifact views show what the family's `views()` hook draws each epoch under the same
 * `kind` (an image grid, or a chart from its JSON); metric views plot the family's declared metrics.
 */
export const ViewDeclaration = z.discriminatedUnion('view', [
  z.object({
    kind: z.string(),
    title: z.string(),
    view: z.enum(['image-grid', 'scatter', 'histogram']),
    /** Spans the whole row. */
    wide: z.boolean().optional(),
  }),
  z.object({
    kind: z.string(),
    title: z.string(),
    /** One bar per dimension of a per-dimension metric, at the latest evaluated epoch. */
    view: z.literal('bars'),
    /** The `name` of a metric declared with `perDimension`. */
    metric: z.string(),
    /** Bar labels: this prefix and the dimension counted from 1 (default 'd'). */
    dimensionLabel: z.string().optional(),
    note: z.string().optional(),
  }),
  z.object({
    kind: z.string(),
    title: z.string(),
    /** The named test metrics epoch by epoch, one curve each (e.g. −ELBO and its parts). */
    view: z.literal('parts-chart'),
    metrics: z.array(z.string()),
    unit: z.string().optional(),
  }),
]);
export type ViewDeclaration = z.infer<typeof ViewDeclaration>;

/**
 * A family that trains on two data sets at once (dataset.name and dataset.second, e.g. two identities): the
 * data-set view offers to pair the selected set with another of the same image size.
 */
export const DatasetPairing = z.object({
  /** A short name for the button: "New <name> run". */
  name: z.string(),
  /** What the pair means to this family. */
  help: z.string(),
});
export type DatasetPairing = z.infer<typeof DatasetPairing>;

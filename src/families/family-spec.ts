import { z } from 'zod';
import type { ArchitectureHook } from './memory';

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
  /** One metric per latent dimension, named `<perDimension><d>` for d = 0, 1, … (e.g. 'kl_dim_'); not listed as a row. */
  perDimension: z.string().optional(),
  /** For a count of dimensions: the per-dimension metric whose dimensions it counts out of ("7 / 10"). */
  outOf: z.string().optional(),
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

/** What the worker draws for every family, whatever it declares. */
export const commonViews: ViewDeclaration[] = [
  { kind: 'reconstructions', title: 'Reconstructions', view: 'image-grid', wide: true },
];

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

/** What a family's cross-field checks see besides its own model section. */
export interface CheckContext {
  training: { loss: string };
  /** [height, width, channels] of the run's data set. */
  image: [number, number, number];
  /** Label classes of the run's data set (0 when unlabelled). */
  classes: number;
}

export type ModelCheck<M> = (model: M, ctx: CheckContext, issue: (path: (string | number)[], message: string) => void) => void;

/** A named starting point for a family, taken from the lectures where one exists. */
export interface FamilyPreset<M> {
  name: string;
  description: string;
  model: M;
}

/**
 * What a model family declares without touching tfjs: its config schema (fields carry
 * label/help/widget metadata so the UI form renders from it), defaults, presets and
 * the cross-field checks zod cannot express per field (shapes through the layer stacks).
 */
export interface FamilySpec<M> {
  id: string;
  label: string;
  summary: string;
  /** What the training loss is averaged over, for chart axes: 'per pixel' or 'nats per image'. */
  lossUnit: string;
  /** What the training loss adds up to when it is more than the reconstruction, for legends (e.g. 'rec + β·KL'). */
  objective?: string;
  modelSchema: z.ZodType<M>;
  defaultModel: M;
  presets: FamilyPreset<M>[];
  checkModel?: ModelCheck<M>;
  /** How the model maps onto encoder → code → decoder (for shapes and the memory estimate), when it is not that body itself. */
  architecture?: ArchitectureHook<M>;
  /** Data-set settings this family starts from (e.g. the two identities of the deepfake set-up). */
  defaultDataset?: { classes?: number[] };
  /** Training settings this family starts from (e.g. BCE for a Bernoulli decoder). */
  defaultTraining?: { loss?: 'mse' | 'mae' | 'smoothL1' | 'bce'; batchSize?: number; learningRate?: number };
  /** The figures it reports besides the loss, as the run view lists them (see MetricDeclaration). */
  metrics?: MetricDeclaration[];
  /** The panels of its run view besides the loss and the reconstructions (see ViewDeclaration). */
  views?: ViewDeclaration[];
  /** Set when it trains on a pair of data sets (dataset.second). */
  datasetPairing?: DatasetPairing;
  /**
   * What an evaluation of its latent space may ask of it: `codes` (default true) when its model has `encode`, so
   * clustering, probes and disentanglement apply; `likelihood` when its model has `logImportanceWeights` (the NLL).
   */
  evaluation?: { codes?: boolean; likelihood?: boolean };
  /**
   * The explorer's live sliders (`explorer.open`): a code per image that its model's `decode` draws. On by default
   * where `evaluation.codes` is; `false` turns them off; `decoders` names the decoders a label chooses between (the
   * deepfake's identities A and B, shown side by side).
   */
  explorer?: false | { decoders?: string[] };
  /**
   * Where `runs.sample` draws its samples: z ~ N(0, I) ('gaussian'), the same for each class ('conditional'), or a
   * learned prior over its discrete code grid, trained by `prior.start` ('learned-prior'). Unset: it has no
   * generative prior to sample from.
   */
  sampling?: 'gaussian' | 'conditional' | 'learned-prior';
}

/** Whether a family's runs open in the explorer, and the decoders a code can go through (['default'] for one). */
export function explorerOf(spec: Pick<FamilySpec<unknown>, 'explorer' | 'evaluation'>): { decoders: string[] } | null {
  const on = spec.explorer === undefined ? (spec.evaluation?.codes ?? true) : spec.explorer !== false;
  if (!on) return null;
  const decoders = spec.explorer ? spec.explorer.decoders : undefined;
  return { decoders: decoders && decoders.length > 0 ? [...decoders] : ['default'] };
}

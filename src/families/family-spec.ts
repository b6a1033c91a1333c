import type { z } from 'zod';
import type { ArchitectureHook } from './memory';
import { DatasetPairing, MetricDeclaration, ViewDeclaration } from '../shared/family-declarations';

export { DatasetPairing, MetricDeclaration, ViewDeclaration };

/** What the worker draws for every family, whatever it declares. */
export const commonViews: ViewDeclaration[] = [
  { kind: 'reconstructions', title: 'Reconstructions', view: 'image-grid', wide: true },
];

/** What a family's cross-field checks see besides its own model section. */
export interface CheckContext {
  training: { loss: string };
  /** [height, width, channels] of the run's data set. */
  image: [number, number, number];
  /** Label classes of the run's data set (0 when unlabelled). */
  classes: number;
  /** A run that continues (resumed, extended): what only a new run is asked (a setting it would ignore) is not. */
  continuing?: boolean;
}

export type ModelCheck<M> = (model: M, ctx: CheckContext, issue: (path: (string | number)[], message: string) => void) => void;

/** Training settings a family or a preset starts from. */
export type PresetTraining = { loss?: 'mse' | 'mae' | 'smoothL1' | 'bce'; batchSize?: number; learningRate?: number };

/** A named starting point for a family, taken from the lectures where one exists. */
export interface FamilyPreset<M> {
  name: string;
  description: string;
  model: M;
  /** Training settings the preset stands for beyond the family's defaults (e.g. the loss its weights are scaled to). */
  training?: PresetTraining;
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
  /** The objective of this model, where its settings change the terms (a VQ-VAE's codebook learned by EMA, not the loss). */
  objectiveOf?(model: M): string;
  modelSchema: z.ZodType<M>;
  defaultModel: M;
  presets: FamilyPreset<M>[];
  checkModel?: ModelCheck<M>;
  /**
   * What it needs of the number of images that train (after a validation split is held out), where a model cannot
   * train on fewer: DEC's k-means places a centre on a code per cluster. Checked once that number is known (a class
   * selection's, after its labels are read).
   */
  checkTrainImages?: (
    model: M,
    ctx: { classes: number; images: number },
    issue: (path: (string | number)[], message: string) => void,
  ) => void;
  /** How the model maps onto encoder → code → decoder (for shapes and the memory estimate), when it is not that body itself. */
  architecture?: ArchitectureHook<M>;
  /**
   * Epochs a family with phases trains before the configured ones (greedy pretraining): its test metrics measure
   * another loss there, so no rule that reads them (early stopping, the plateau, the best checkpoint) counts them.
   * The model's `totalEpochs` is this plus `training.epochs`.
   */
  pretrainingEpochs?(model: M): number;
  /**
   * Where a phased family's training turns to its next phase, after `epoch` epochs (the stacked AE's next layer, its
   * fine-tuning; DEC's clustering): the run's loss chart marks each, since the loss measures another thing after it.
   */
  phases?(model: M): { epoch: number; label: string }[];
  /**
   * Why this model's reconstructions are no measure of it, where they are not (DEC drops its decoder once clustering
   * starts): the run page says so instead of warning that it reconstructs no better than the mean image.
   */
  untrainedDecoder?(model: M): string | undefined;
  /**
   * The epoch from which the loss is one objective, where a schedule inside it weighs its terms by epoch before then
   * (a KL warm-up's rising β, a capacity ramp's C): a rule that reads the loss (early stopping, the plateau, the best
   * checkpoint) counts no epoch before it, since those losses are of other objectives (0 or absent: every epoch).
   */
  lossSettles?(model: M): number;
  /** Data-set settings this family starts from (e.g. the two identities of the deepfake set-up). */
  defaultDataset?: { classes?: number[] };
  /** Training settings this family starts from (e.g. BCE for a Bernoulli decoder). */
  defaultTraining?: PresetTraining;
  /** The figures it reports besides the loss, as the run view lists them (see MetricDeclaration). */
  metrics?: MetricDeclaration[];
  /**
   * The declared metrics (by name) that runs of this model do not report: the β of a KL warm-up where there is none,
   * the KL per dimension against a prior other than N(0, I). Rules on them are refused before the run.
   */
  unreported?(model: M): string[];
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
   * Where `runs.sample` draws its samples: z ~ N(0, I) ('gaussian'), the same for each class ('conditional'), the
   * model's VampPrior, a mixture over its learned pseudo-inputs ('vamp'), or a learned prior over its discrete code
   * grid, trained by `prior.start` ('learned-prior'). Unset: it has no generative prior to sample from.
   */
  sampling?: 'gaussian' | 'conditional' | 'vamp' | 'learned-prior';
  /**
   * The code grid a learned prior models, from the config alone (the built model's `codeGrid` gives the same): its
   * [height, width], K, and the codebooks that take turns along a row. Set with `sampling: 'learned-prior'`.
   */
  codeGrid?(model: M): { grid: [number, number]; codebookSize: number; codebooks?: number };
  /**
   * The values its code can take, where its encoder's last activation bounds them (a ReLU code: 0 and up): the
   * explorer's sliders and its samples without a prior stay inside. Unset: any real value.
   */
  codeRange?(model: M): CodeRange | null;
  /**
   * Its part in the disentanglement study (Locatello et al. 2019; src/core/sweeps/study.ts): its name there, the
   * regularisation strengths it is trained at (each a patch of its model config) and where they come from.
   */
  study?: { label: string; strengths: { label: string; model: Partial<M> }[]; source: string };
}

/** The bounds of a family's code values, and the activation that sets them (in words, for a caption). */
export interface CodeRange {
  min: number | null;
  max: number | null;
  activation: string;
}

/** Whether a family's runs open in the explorer, and the decoders a code can go through (['default'] for one). */
export function explorerOf(spec: Pick<FamilySpec<unknown>, 'explorer' | 'evaluation'>): { decoders: string[] } | null {
  const on = spec.explorer === undefined ? (spec.evaluation?.codes ?? true) : spec.explorer !== false;
  if (!on) return null;
  const decoders = spec.explorer ? spec.explorer.decoders : undefined;
  return { decoders: decoders && decoders.length > 0 ? [...decoders] : ['default'] };
}

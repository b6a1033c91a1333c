import { z } from 'zod';
import './messages';

/** What the config checks need to know of a data set (the core's catalog and the UI's list both give it). */
export interface DatasetFacts {
  name: string;
  height: number;
  width: number;
  channels: number;
  trainCount: number;
  testCount: number;
  /** Label values (0 = unlabelled). */
  classes: number;
  available: boolean;
  hint: string | null;
  /** The set drawn with the same factors as this one (a generated face set's other identity), if any. */
  twin?: string | null;
}
/** Looks a data set up by name; the shapes of the sets every install has are known without asking. */
export type DatasetLookup = (name: string) => DatasetFacts | undefined;

/** The one rule for data set names, wherever one arrives (configs, imports, every dataset command): it is a single folder name. */
export const datasetNamePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const DatasetName = z
  .string()
  .regex(datasetNamePattern, 'use 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

/** The split the rules that choose epochs read (early stopping, plateau, keep-best): validation where a run holds one out. */
export const ruleSplit = (dataset: { validationFraction?: number | undefined }): 'val' | 'test' =>
  dataset.validationFraction === undefined ? 'test' : 'val';

/** The split's name in a sentence. */
export const splitWord = (split: 'val' | 'test'): 'validation' | 'test' => (split === 'val' ? 'validation' : 'test');

/** How many of `count` training images a validation split of `fraction` holds out: at least one, leaving one. */
export const validationCount = (count: number, fraction: number): number =>
  Math.min(count - 1, Math.max(1, Math.round(count * fraction)));

export const DatasetRef = z.strictObject({
  name: DatasetName.meta({
    label: 'Data set',
    help: 'MNIST, Fashion-MNIST, generated Shapes and Faces, or one you imported (see Data sets).',
    widget: 'dataset',
  }),
  second: DatasetName.optional().meta({
    label: 'Second set (identity B)',
    help: 'Deepfake: the images of identity B; the data set above is identity A.',
    widget: 'dataset',
  }),
  trainSubset: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ label: 'Train subset', help: 'Use the first N training images (empty = all).', step: 1000, unset: 'all' }),
  testSubset: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ label: 'Test subset', help: 'Use the first N test images (empty = all).', step: 1000, unset: 'all' }),
  validationFraction: z
    .number()
    .gt(0)
    .max(0.5)
    .optional()
    .meta({
      label: 'Validation fraction',
      help:
        'Held out of the training images (the same ones for every run of this set and subset): early stopping, the ' +
        'plateau schedule and keep-best read its metrics, so no choice sees the test split. Empty: they read the test split.',
      step: 0.05,
      unset: 'none',
    }),
  classes: z
    .array(z.number().int().min(0).max(255))
    .min(1)
    .max(100)
    .refine((c) => new Set(c).size === c.length, 'each class once')
    .optional()
    .meta({
      label: 'Classes',
      help: 'Keep only these labels, renumbered 0, 1, … in this order (e.g. 3, 8 as identities A and B).',
      widget: 'widths',
      placeholder: 'e.g. 3, 8',
      unset: 'all',
    }),
});
export type DatasetRef = z.infer<typeof DatasetRef>;

/**
 * Whether a run trained on the whole of its set, not a selection of classes or a pair of sets: a generated set's
 * generator then renders its images again (the disentanglement rows, the β-VAE and FactorVAE scores).
 */
export function wholeSet(ref: Pick<DatasetRef, 'second' | 'classes'>): boolean {
  return ref.second === undefined && ref.classes === undefined;
}

export const lossNames = ['mse', 'mae', 'smoothL1', 'bce'] as const;
export const optimizerNames = ['adam', 'sgd', 'rmsprop'] as const;

export const scheduleKinds = ['constant', 'step', 'exponential', 'cosine', 'plateau'] as const;

/** A count of epochs: a run's, a step schedule's, a checkpoint interval's. */
const epochCount = z.number().int().min(1).max(10000);

/** What a schedule's unset settings mean (as torch.optim.lr_scheduler's defaults, and 10 epochs a step). */
export const scheduleDefaults = { stepEpochs: 10, stepGamma: 0.1, exponentialGamma: 0.95, patience: 10, factor: 0.1 };
/** What a checkpoint policy's unset settings mean: a checkpoint every epoch, the last 3 kept. */
export const checkpointDefaults = { everyEpochs: 1, keepLast: 3 };

/** A learning-rate schedule: its kind, and the settings that kind reads (the others are ignored). */
export const LearningRateSchedule = z.strictObject({
  kind: z.enum(scheduleKinds).meta({ label: 'Kind' }),
  warmupEpochs: z.number().min(0).max(1000).optional().meta({
    label: 'Warm-up epochs',
    help: 'The rate rises linearly from 0 over these epochs (fractions allowed), then follows the kind.',
    step: 0.5,
    unset: '0',
  }),
  stepEpochs: epochCount.optional().meta({
    onlyFor: ['step'],
    label: 'Step every N epochs',
    help: `step: the rate is multiplied by gamma every N epochs (default ${scheduleDefaults.stepEpochs}).`,
    step: 1,
    unset: String(scheduleDefaults.stepEpochs),
  }),
  gamma: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .meta({
      onlyFor: ['step', 'exponential'],
      label: 'Gamma',
      help: `step: the factor at each step (default ${scheduleDefaults.stepGamma}); exponential: the factor per epoch, applied smoothly per step (default ${scheduleDefaults.exponentialGamma}).`,
      unset: `${scheduleDefaults.stepGamma} (step), ${scheduleDefaults.exponentialGamma} (exponential)`,
      unsetByKind: { step: String(scheduleDefaults.stepGamma), exponential: String(scheduleDefaults.exponentialGamma) },
      step: 0.01,
    }),
  minLearningRate: z
    .number()
    .min(0)
    .max(10)
    .optional()
    .meta({
      onlyFor: ['cosine', 'plateau'],
      label: 'Minimum rate',
      help: 'cosine: where the rate ends (eta_min, default 0); plateau: the rate is never cut below it.',
      step: 0.00001,
      unset: '0',
    }),
  patience: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .optional()
    .meta({
      onlyFor: ['plateau'],
      label: 'Patience',
      help: `plateau: epochs without improvement before the rate is cut (default ${scheduleDefaults.patience}).`,
      step: 1,
      unset: String(scheduleDefaults.patience),
    }),
  factor: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .meta({
      onlyFor: ['plateau'],
      label: 'Factor',
      help: `plateau: the rate is multiplied by this when it is cut (default ${scheduleDefaults.factor}).`,
      step: 0.05,
      unset: String(scheduleDefaults.factor),
    }),
  metric: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .meta({
      onlyFor: ['plateau'],
      label: 'Metric',
      help: 'plateau: the metric it watches (default loss), on the validation split where the run holds one out, else the test split.',
      unset: 'loss',
    }),
  mode: z
    .enum(['min', 'max'])
    .optional()
    .meta({
      onlyFor: ['plateau'],
      label: 'Mode',
      help: 'plateau: min (default) when the metric should fall, max when it should rise (an accuracy, codebook usage).',
      unset: 'min',
    }),
});
export type LearningRateSchedule = z.infer<typeof LearningRateSchedule>;

/**
 * The schedule's settings a kind does not read (its fields' `onlyFor`: a cosine does not read gamma), each with the
 * kinds that do.
 */
export function unreadScheduleFields(schedule: { kind: string } & Record<string, unknown>): { key: string; readBy: string[] }[] {
  return Object.entries(LearningRateSchedule.shape).flatMap(([key, field]) => {
    const readBy = (field.meta() as { onlyFor?: string[] } | undefined)?.onlyFor;
    return readBy && schedule[key] !== undefined && !readBy.includes(schedule.kind) ? [{ key, readBy }] : [];
  });
}

/**
 * Early stopping on a metric of the validation split where the run holds one out, else of the test split (Keras'
 * EarlyStopping: patience counts epochs without an improvement of minDelta).
 */
export const EarlyStopping = z.strictObject({
  metric: z.string().min(1).max(64).meta({
    label: 'Metric',
    help: 'e.g. loss or neg_elbo: on the validation split where the run holds one out, else the test split. The loss counts only from the end of a KL warm-up (before, it weighs the KL by a rising β) and after a pretraining.',
  }),
  mode: z
    .enum(['min', 'max'])
    .meta({ label: 'Mode', help: 'min for a figure that should fall (a loss), max for one that should rise (an accuracy).' }),
  patience: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .meta({ label: 'Patience', help: 'Epochs in a row without improvement before the run stops (Keras’ patience).', step: 1 }),
  minDelta: z.number().min(0).max(1e6).meta({
    label: 'Min delta',
    help: 'How much an epoch must beat the best by to count as an improvement (Keras’ min_delta).',
    step: 0.0001,
  }),
});
export type EarlyStopping = z.infer<typeof EarlyStopping>;

export const TrainingConfig = z.strictObject({
  loss: z.enum(lossNames).meta({
    label: 'Reconstruction loss',
    help: 'MSE (Gaussian decoder), MAE, Smooth L1 (beta below) or BCE (Bernoulli decoder).',
    scalesLoss: true,
  }),
  smoothL1Beta: z
    .number()
    .gt(0)
    .max(10)
    .optional()
    .meta({
      label: 'Smooth L1 beta',
      help: 'Where Smooth L1 turns from quadratic to linear (default 1).',
      step: 0.05,
      unset: '1',
      readWith: { field: 'loss', values: ['smoothL1'] },
      scalesLoss: true,
    }),
  batchSize: z.number().int().min(1).max(8192).meta({ label: 'Batch size', step: 1 }),
  epochs: epochCount.meta({ label: 'Epochs', step: 1 }),
  learningRate: z.number().gt(0).max(10).meta({ label: 'Learning rate', step: 0.0001 }),
  optimizer: z.enum(optimizerNames).meta({ label: 'Optimizer' }),
  schedule: LearningRateSchedule.optional().meta({
    initial: { kind: 'cosine', warmupEpochs: 1 },
    unset: 'none (constant rate)',
    label: 'Learning-rate schedule',
    help: 'Applied per step; the rate in force is logged as train/lr at each epoch end. Step, exponential, cosine and plateau follow torch.optim.lr_scheduler (StepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau).',
  }),
  weightDecay: z.number().min(0).max(1).optional().meta({
    label: 'Weight decay',
    help: 'Decoupled weight decay (Loshchilov & Hutter 2019): each weight shrinks by learning rate × decay per step, apart from the gradient, as torch.optim.AdamW does; with Adam this is AdamW.',
    step: 0.0001,
    unset: '0',
  }),
  weightDecayOn: z
    .enum(['all', 'matrices'])
    .optional()
    .meta({
      label: 'Decay applies to',
      help: 'All trainable variables (the default, as torch.optim.AdamW(model.parameters())), or matrices only: kernels, embeddings and codebooks decay, biases and batch norm’s scale and shift (variables of one dimension) do not, as timm’s param_groups_weight_decay.',
      optionLabels: { all: 'all variables', matrices: 'matrices only (not biases or norm scales)' },
      unset: 'all',
      readWith: { field: 'weightDecay' },
    }),
  clipNorm: z.number().gt(0).max(1e6).optional().meta({
    label: 'Clip gradients at norm',
    help: 'Scales the gradients down when their global L2 norm exceeds this, as torch.nn.utils.clip_grad_norm_.',
    step: 0.1,
    unset: 'off',
  }),
  earlyStopping: EarlyStopping.optional().meta({
    initial: { metric: 'loss', mode: 'min', patience: 5, minDelta: 0 },
    unset: 'off',
    label: 'Early stopping',
    help: 'Ends the run when a metric (validation, or test without a validation fraction) has not improved by min delta for patience epochs, as Keras’ EarlyStopping; the run is completed and says where its best epoch was.',
  }),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .meta({ label: 'Seed', help: 'Seeds initializers and shuffling: same seed and backend, same curve.', step: 1 }),
  checkpoints: z
    .strictObject({
      everyEpochs: epochCount.optional().meta({
        label: 'Every N epochs',
        step: 1,
        unset: String(checkpointDefaults.everyEpochs),
        // With a time interval, epochs count only when asked for too (checkpointDue).
        unsetBeside: { everyMinutes: 'off' },
      }),
      everyMinutes: z.number().gt(0).max(10080).optional().meta({ label: 'Every M minutes', step: 1, unset: 'off' }),
      keepLast: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .optional()
        .meta({ label: 'Keep the last K', step: 1, unset: String(checkpointDefaults.keepLast) }),
      keepBest: z
        .strictObject({ metric: z.string().min(1).max(64), mode: z.enum(['min', 'max']) })
        .optional()
        .meta({
          label: 'Keep the best by',
          help: 'A test metric, e.g. loss (min); the validation one where the run holds a validation fraction out.',
          unset: 'off',
        }),
    })
    .optional()
    .meta({
      label: 'Checkpoints',
      help: `Written at the end of an epoch: every N epochs (default ${checkpointDefaults.everyEpochs}) and/or once M minutes have passed; the last K (default ${checkpointDefaults.keepLast}) and the best are kept.`,
    }),
});
export type TrainingConfig = z.infer<typeof TrainingConfig>;
export type CheckpointPolicy = NonNullable<TrainingConfig['checkpoints']>;

export const backendNames = ['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const BackendPreference = z.enum(backendNames);
export type BackendPreference = z.infer<typeof BackendPreference>;

/** The longest run name and experiment name. */
export const nameMaxLength = 120;

const commonShape = {
  name: z.string().trim().min(1).max(nameMaxLength).optional().meta({ label: 'Run name' }),
  experiment: z.string().trim().min(1).max(nameMaxLength).optional().meta({ label: 'Experiment' }),
  dataset: DatasetRef,
  training: TrainingConfig,
  backend: BackendPreference.optional().meta({
    label: 'Backend',
    unset: 'auto',
    help: 'auto tries WebGPU on a hardware adapter, tfjs-node-gpu, tfjs-node, wasm, then cpu (docs/backends.md).',
  }),
  gpuAdapter: z.string().trim().min(1).max(200).optional().meta({
    label: 'GPU adapter',
    unset: 'the first hardware one',
    help: 'For WebGPU on a machine with several GPUs: part of the adapter’s vendor, device or description (e.g. "NVIDIA" or "Radeon"); the run’s environment shows the one used.',
  }),
};

/**
 * Each family's model type by id. The contract names no family: the families add theirs by declaration merging
 * (src/families/specs.ts), as they add their schemas at start with `registerConfigFamily`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by the families' declaration merging
export interface FamilyModels {}
export type FamilyId = keyof FamilyModels;

/** A run config's fields outside its model (data set, training, backend): what every family's config shares. */
export const RunSettings = z.strictObject(commonShape);

type CommonConfig = {
  name?: string | undefined;
  experiment?: string | undefined;
  dataset: DatasetRef;
  training: TrainingConfig;
  backend?: BackendPreference | undefined;
  gpuAdapter?: string | undefined;
};
/** The JSON a run is trained from: the same in the UI, the API and the CLI's config file. */
export type RunConfig = { [K in FamilyId]: CommonConfig & { family: K; model: FamilyModels[K] } }[FamilyId];

const familyModelSchemas = new Map<string, z.ZodType>();
let sealedBy: string | null = null;

/**
 * Adds a family's model schema to the run config's (src/families/specs.ts does, for the built-ins and for a family
 * registered at start). Refused once the first config has been parsed: the schema is built then, and a family
 * missing from it would be silently refused instead.
 */
export function registerConfigFamily(id: string, modelSchema: z.ZodType): void {
  if (sealedBy) {
    throw new Error(
      `model family "${id}" was registered after ${sealedBy}; register families at start (LATENT_STUDIO_FAMILY_MODULES)`,
    );
  }
  if (familyModelSchemas.has(id)) throw new Error(`a model family with id "${id}" is already registered`);
  familyModelSchemas.set(id, modelSchema);
}

const familyOption = (id: string, modelSchema: z.ZodType) =>
  z.strictObject({ family: z.literal(id), model: modelSchema, ...commonShape });

/**
 * One option per registered family, built when the first config is parsed; no family is taken after that. The
 * RunConfig type covers the built-ins; a config of a family registered at run time passes the same schema.
 */
const familyUnion = z.lazy(() => {
  sealedBy ??= 'the first run config was parsed';
  const [first, ...others] = [...familyModelSchemas].map(([id, schema]) => familyOption(id, schema));
  if (!first) throw new Error('no model family is registered: import src/families/specs before parsing a run config');
  // zod cannot infer a union built from a mapped list, so the union is typed once here, by hand.
  return z.discriminatedUnion('family', [first, ...others]);
}) as unknown as z.ZodType<RunConfig>;

/** The structure of a run's config; what depends on the data set is checked by `checkRunConfig` (src/families). */
export const RunConfig: z.ZodType<RunConfig> = familyUnion;

export interface FieldIssue {
  path: string;
  message: string;
}

export function issuePath(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '[') || '(root)'
  );
}

export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((i) =>
    // A key the schema does not have is named by its own path (model.latentSiz), not its parent's (model).
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({
          path: issuePath([...i.path, key]),
          message: 'not a field here (a typo, or another family’s field?)',
        }))
      : [{ path: issuePath(i.path), message: i.message }],
  );
}

/** One line per field, each naming the field: what the API, the CLI and the UI show. */
export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** The one wording for a batch larger than the training set, whether the config check or the worker finds it. */
export function batchTooLarge(batchSize: number, trainImages: number, dataset: string): string {
  return `${batchSize} is larger than the ${trainImages} training images selected from ${dataset}: use at most ${trainImages}`;
}

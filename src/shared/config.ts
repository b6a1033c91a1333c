import { z } from 'zod';
// eslint-disable-next-line latent/layers -- still built from the family registry (issue 21: families register into the contract)
import type { ModelCheck } from '../families/family-spec';
// eslint-disable-next-line latent/layers -- still built from the family registry (issue 21: families register into the contract)
import { formatBytes, memoryBudget, modelMemory } from '../families/memory';
// eslint-disable-next-line latent/layers -- still built from the family registry (issue 21: families register into the contract)
import { familySpec, sealFamilySpecs, type familySpecs, type FamilyId } from '../families/specs';

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
}
/** Looks a data set up by name; the shapes of the sets every install has are known without asking. */
export type DatasetLookup = (name: string) => DatasetFacts | undefined;

/** The one rule for data set names, wherever one arrives (configs, imports, every dataset command): it is a single folder name. */
export const datasetNamePattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const DatasetName = z
  .string()
  .regex(datasetNamePattern, 'use 1-64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

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
    .meta({ label: 'Train subset', help: 'Use the first N training images (empty = all).', step: 1000 }),
  testSubset: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ label: 'Test subset', help: 'Use the first N test images (empty = all).', step: 1000 }),
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
    }),
});
export type DatasetRef = z.infer<typeof DatasetRef>;

export const lossNames = ['mse', 'mae', 'smoothL1', 'bce'] as const;
export const optimizerNames = ['adam', 'sgd', 'rmsprop'] as const;

export const TrainingConfig = z.strictObject({
  loss: z.enum(lossNames).meta({
    label: 'Reconstruction loss',
    help: 'MSE (Gaussian decoder), MAE, Smooth L1 (beta below) or BCE (Bernoulli decoder).',
  }),
  smoothL1Beta: z
    .number()
    .gt(0)
    .max(10)
    .optional()
    .meta({ label: 'Smooth L1 beta', help: 'Where Smooth L1 turns from quadratic to linear (default 1).', step: 0.05 }),
  batchSize: z.number().int().min(1).max(8192).meta({ label: 'Batch size', step: 1 }),
  epochs: z.number().int().min(1).max(10000).meta({ label: 'Epochs', step: 1 }),
  learningRate: z.number().gt(0).max(10).meta({ label: 'Learning rate', step: 0.0001 }),
  optimizer: z.enum(optimizerNames).meta({ label: 'Optimizer' }),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .meta({ label: 'Seed', help: 'Seeds initializers and shuffling: same seed and backend, same curve.', step: 1 }),
  checkpoints: z
    .strictObject({
      everyEpochs: z.number().int().min(1).max(10000).optional().meta({ label: 'Every N epochs', step: 1 }),
      everyMinutes: z.number().gt(0).max(10080).optional().meta({ label: 'Every M minutes', step: 1 }),
      keepLast: z.number().int().min(1).max(1000).optional().meta({ label: 'Keep the last K', step: 1 }),
      keepBest: z
        .strictObject({ metric: z.string().min(1).max(64), mode: z.enum(['min', 'max']) })
        .optional()
        .meta({ label: 'Keep the best by', help: 'A test metric, e.g. loss (min).' }),
    })
    .optional()
    .meta({
      label: 'Checkpoints',
      help: 'Written at the end of an epoch: every N epochs (default 1) and/or once M minutes have passed; the last K (default 3) and the best are kept.',
    }),
});
export type TrainingConfig = z.infer<typeof TrainingConfig>;
export type CheckpointPolicy = NonNullable<TrainingConfig['checkpoints']>;

export const backendNames = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const BackendPreference = z.enum(backendNames);
export type BackendPreference = z.infer<typeof BackendPreference>;

const commonShape = {
  name: z.string().trim().min(1).max(120).optional().meta({ label: 'Run name' }),
  experiment: z.string().trim().min(1).max(120).optional().meta({ label: 'Experiment' }),
  dataset: DatasetRef,
  training: TrainingConfig,
  backend: BackendPreference.optional().meta({
    label: 'Backend',
    help: 'auto tries tfjs-node-gpu, tfjs-node, wasm, then cpu.',
  }),
};

type ModelOf<K extends FamilyId> = z.infer<(typeof familySpecs)[K]['modelSchema']>;
type CommonConfig = {
  name?: string | undefined;
  experiment?: string | undefined;
  dataset: DatasetRef;
  training: TrainingConfig;
  backend?: BackendPreference | undefined;
};
/** The JSON a run is trained from: the same in the UI, the API and the CLI's config file. */
export type RunConfig = { [K in FamilyId]: CommonConfig & { family: K; model: ModelOf<K> } }[FamilyId];

const familyOption = (spec: { id: string; modelSchema: z.ZodType }) =>
  z.strictObject({ family: z.literal(spec.id), model: spec.modelSchema, ...commonShape });

type CrossFieldCheck = ModelCheck<unknown>;

/**
 * One option per registered family (the built-ins and any registered at start, see families/registry.ts), built
 * when the first config is parsed; the registry takes no new family after that. The RunConfig type covers the
 * built-ins; a config of a family registered at run time passes the same schema.
 */
const familyUnion = z.lazy(() => {
  const [first, ...others] = sealFamilySpecs('the first run config was parsed');
  if (!first) throw new Error('no model family is registered');
  // zod cannot infer a union built from a mapped list, so the union is typed once here, by hand.
  return z.discriminatedUnion('family', [familyOption(first), ...others.map(familyOption)]);
}) as unknown as z.ZodType<RunConfig>;

/** The structure of a run's config; what depends on the data set is checked by `checkRunConfig`. */
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
  return error.issues.map((i) => ({ path: issuePath(i.path), message: i.message }));
}

/** One line per field, each naming the field: what the API, the CLI and the UI show. */
export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

export type ParseResult = { ok: true; config: RunConfig } | { ok: false; issues: FieldIssue[] };

/** What the machine allows: the memory a run may plan to use (see families/memory.ts). */
export interface MachineLimits {
  totalMemoryBytes: number;
}

/**
 * Checks what depends on the data sets and the machine: that the sets exist, subsets, classes and the batch
 * fit them, the model fits their images, and training it fits in memory.
 */
export function checkRunConfig(config: RunConfig, lookup: DatasetLookup, limits?: MachineLimits): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const issue = (path: readonly PropertyKey[], message: string) => issues.push({ path: issuePath(path), message });
  const d = config.dataset;
  const find = (field: 'name' | 'second', name: string) => {
    const facts = lookup(name);
    if (!facts) issue(['dataset', field], `no data set named ${name}`);
    else if (!facts.available) issue(['dataset', field], `${name} is ${facts.hint ?? 'not available'}`);
    return facts?.available ? facts : undefined;
  };
  const a = find('name', d.name);
  const b = d.second === undefined ? undefined : find('second', d.second);
  if (!a || (d.second !== undefined && !b)) return issues;
  if (b && (b.height !== a.height || b.width !== a.width || b.channels !== a.channels)) {
    issue(
      ['dataset', 'second'],
      `${b.name} holds ${b.height}x${b.width}x${b.channels} images, ${a.name} ${a.height}x${a.width}x${a.channels}`,
    );
  }
  if (b && d.classes) issue(['dataset', 'classes'], 'choose classes or a second set, not both');
  const trainCount = a.trainCount + (b?.trainCount ?? 0);
  const testCount = a.testCount + (b?.testCount ?? 0);
  if (d.trainSubset !== undefined && d.trainSubset > trainCount) {
    issue(['dataset', 'trainSubset'], `${d.name} has ${trainCount} training images`);
  }
  if (d.testSubset !== undefined && d.testSubset > testCount)
    issue(['dataset', 'testSubset'], `${d.name} has ${testCount} test images`);
  if (d.classes) {
    if (a.classes === 0) issue(['dataset', 'classes'], `${d.name} has no labels to choose from`);
    const bad = d.classes.find((c) => c >= a.classes);
    if (a.classes > 0 && bad !== undefined)
      issue(['dataset', 'classes'], `${d.name} has labels 0..${a.classes - 1}; ${bad} is not one`);
  }
  const trainImages = Math.min(d.trainSubset ?? trainCount, trainCount);
  if (!d.classes && config.training.batchSize > trainImages) {
    issue(['training', 'batchSize'], batchTooLarge(config.training.batchSize, trainImages, d.name));
  }
  const classes = b ? 2 : (d.classes?.length ?? a.classes);
  const spec = (familySpec(config.family) ?? {}) as { checkModel?: CrossFieldCheck };
  const image: [number, number, number] = [a.height, a.width, a.channels];
  spec.checkModel?.(config.model, { training: config.training, image, classes }, issue);
  if (limits && issues.length === 0) {
    const need = modelMemory(spec, config.model, { image, classes, training: config.training });
    const budget = memoryBudget(limits.totalMemoryBytes, config.backend ?? 'auto');
    if (need && need.bytes > budget) {
      issue(
        ['model'],
        `this ${config.family} model would need about ${formatBytes(need.bytes)} to train (${need.params.toExponential(2)} parameters: ` +
          `${formatBytes(need.parameterBytes)} for weights, gradients and optimizer state, ${formatBytes(need.activationBytes)} ` +
          `of activations at batch ${config.training.batchSize}), over this machine's budget of ${formatBytes(budget)}` +
          `${config.backend === 'wasm' ? ' (wasm holds at most 4 GiB)' : ` (half of its ${formatBytes(limits.totalMemoryBytes)})`}: make the layers narrower`,
      );
    }
  }
  return issues;
}

/** The one wording for a batch larger than the training set, whether the config check or the worker finds it. */
export function batchTooLarge(batchSize: number, trainImages: number, dataset: string): string {
  return `${batchSize} is larger than the ${trainImages} training images selected from ${dataset}: use at most ${trainImages}`;
}

/** Parses a config and, given the data sets, checks it against them: every issue names its field. */
export function parseRunConfig(input: unknown, lookup?: DatasetLookup, limits?: MachineLimits): ParseResult {
  const r = RunConfig.safeParse(input);
  if (!r.success) return { ok: false, issues: fieldIssues(r.error) };
  const issues = lookup ? checkRunConfig(r.data, lookup, limits) : [];
  return issues.length === 0 ? { ok: true, config: r.data } : { ok: false, issues };
}

/** A family's starting config: a built-in's (typed), or that of a family registered at start, by id. */
export function defaultRunConfig(family: FamilyId | (string & {}) = 'autoencoder'): RunConfig {
  const spec:
    { defaultModel: unknown; defaultTraining?: Partial<TrainingConfig>; defaultDataset?: Partial<DatasetRef> } | undefined =
    familySpec(family);
  if (!spec) throw new Error(`no model family named ${family}`);
  // The family's own default model, so the pair is one member of the RunConfig union.
  return {
    family,
    model: structuredClone(spec.defaultModel),
    dataset: { name: 'mnist', trainSubset: 6000, testSubset: 1000, ...spec.defaultDataset },
    training: { loss: 'mse', batchSize: 64, epochs: 5, learningRate: 0.001, optimizer: 'adam', seed: 1, ...spec.defaultTraining },
    backend: 'auto',
  } as RunConfig;
}

import { z } from 'zod';
import type { ModelCheck } from '../families/family-spec';
import { familyIds, familySpecs, type FamilyId } from '../families/specs';

export const datasetNames = ['mnist'] as const;
/** [height, width, channels] of each data set's images, for shape checks before training. */
export const datasetImageShapes: Record<(typeof datasetNames)[number], [number, number, number]> = { mnist: [28, 28, 1] };
/** Label classes of each data set (0 = unlabelled), for conditional models' checks. */
export const datasetClasses: Record<(typeof datasetNames)[number], number> = { mnist: 10 };

export const DatasetRef = z.strictObject({
  name: z.enum(datasetNames).meta({ label: 'Data set', help: 'MNIST: the real IDX files, 60k train / 10k test.' }),
  trainSubset: z
    .number()
    .int()
    .min(1)
    .max(60000)
    .optional()
    .meta({ label: 'Train subset', help: 'Use the first N training images (empty = all 60,000).', step: 1000 }),
  testSubset: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .optional()
    .meta({ label: 'Test subset', help: 'Use the first N test images (empty = all 10,000).', step: 1000 }),
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
});
export type TrainingConfig = z.infer<typeof TrainingConfig>;

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

const familyOption = (id: FamilyId) =>
  z.strictObject({ family: z.literal(id), model: familySpecs[id].modelSchema, ...commonShape });
const [firstFamily, ...otherFamilies] = familyIds;

type CrossFieldCheck = ModelCheck<unknown>;

// zod cannot infer a union built from a mapped list, so the union is typed once here, by hand.
const familyUnion = z.discriminatedUnion('family', [
  familyOption(firstFamily),
  ...otherFamilies.map(familyOption),
]) as unknown as z.ZodType<RunConfig>;

export const RunConfig: z.ZodType<RunConfig> = familyUnion.superRefine((config, ctx) => {
  const check = (familySpecs[config.family] as { checkModel?: CrossFieldCheck }).checkModel;
  const image = datasetImageShapes[config.dataset.name];
  const classes = config.dataset.classes?.length ?? datasetClasses[config.dataset.name];
  check?.(config.model, { training: config.training, image, classes }, (path, message) =>
    ctx.addIssue({ code: 'custom', path, message }),
  );
});

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

export function parseRunConfig(input: unknown): ParseResult {
  const r = RunConfig.safeParse(input);
  return r.success ? { ok: true, config: r.data } : { ok: false, issues: fieldIssues(r.error) };
}

export function defaultRunConfig(family: FamilyId = 'autoencoder'): RunConfig {
  const spec: { defaultModel: unknown; defaultTraining?: Partial<TrainingConfig>; defaultDataset?: Partial<DatasetRef> } =
    familySpecs[family];
  // The family's own default model, so the pair is one member of the RunConfig union.
  return {
    family,
    model: structuredClone(spec.defaultModel),
    dataset: { name: 'mnist', trainSubset: 6000, testSubset: 1000, ...spec.defaultDataset },
    training: { loss: 'mse', batchSize: 64, epochs: 5, learningRate: 0.001, optimizer: 'adam', seed: 1, ...spec.defaultTraining },
    backend: 'auto',
  } as RunConfig;
}

import { z } from 'zod';
import { DatasetName, datasetNamePattern, RunConfig } from './config';
import { SweepSpec, sweepRunLimit } from './sweep';
import { EvaluationKind, EvaluationSettings } from './evaluation-kinds';
import { SlurmOptions, SlurmRunInfo, SlurmSweepInfo } from './slurm';
import { explorerCommands } from './explorer';
import { priorCommands, priorEvents } from './prior';
import { JobId, JobState } from './jobs';
import { DatasetPairing, MetricDeclaration, ViewDeclaration } from './family-declarations';

/** Contract between the renderer and the core. Every transport derives from these two records. */

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;
export const finishedStatuses: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'interrupted'];

export const RunId = z.number().int().positive();

export const BackendInfo = z.object({
  name: z.string(),
  version: z.string(),
  gpu: z.boolean(),
  reason: z.string(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const Environment = z.object({
  studioVersion: z.string(),
  node: z.string(),
  electron: z.string().nullable(),
  tfjs: z.string(),
  backend: BackendInfo,
  os: z.string(),
  cpu: z.string(),
  cpuCount: z.number(),
  seed: z.number(),
  configHash: z.string(),
  datasetHash: z.string(),
});
export type Environment = z.infer<typeof Environment>;

/** 'prior': a VQ-VAE's learned prior, trained after the run (its NLL in bits per code position, epoch by epoch). */
export const MetricSplit = z.enum(['train', 'test', 'prior']);
export const MetricPoint = z.object({
  step: z.number().int(),
  epoch: z.number(),
  split: MetricSplit,
  name: z.string(),
  value: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const LatestMetric = z.object({ split: MetricSplit, name: z.string(), value: z.number(), step: z.number().int() });

export const RunSummary = z.object({
  id: RunId,
  name: z.string(),
  experiment: z.string(),
  family: z.string(),
  status: RunStatus,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  backend: z.string().nullable(),
  error: z.string().nullable(),
  epochs: z.number().int(),
  /** The sweep that made this run, if one did. */
  sweepId: z.number().int().nullable(),
  /**
   * Its Slurm task while it runs (or last ran) on a cluster: the job id, the task and the last state the studio saw;
   * null for a local run, and for one resumed here after its task ended.
   */
  slurm: SlurmRunInfo.nullable(),
  latest: z.array(LatestMetric),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunDetail = RunSummary.extend({
  config: RunConfig,
  configHash: z.string(),
  seed: z.number().int(),
  backendReason: z.string().nullable(),
  environment: Environment.nullable(),
  warnings: z.array(z.string()),
  /** Each time the run stopped before its end and was resumed: how it had ended, and the epoch it continued from. */
  interruptions: z.array(
    z.object({ at: z.string(), status: RunStatus, error: z.string().nullable(), resumedFromEpoch: z.number().int() }),
  ),
  checkpoints: z.array(
    z.object({ epoch: z.number().int(), step: z.number().int(), path: z.string(), sizeBytes: z.number().int() }),
  ),
});
export type RunDetail = z.infer<typeof RunDetail>;

export const ArtifactInfo = z.object({
  id: z.number().int(),
  runId: RunId,
  kind: z.string(),
  epoch: z.number().int(),
  step: z.number().int(),
  mime: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  caption: z.string(),
  /** Its bytes travel apart from the contract: GET /artifacts/<id> on the host, latent-artifact://artifacts/<id> in Electron. */
  sizeBytes: z.number().int(),
});
export type ArtifactInfo = z.infer<typeof ArtifactInfo>;

export const RunProgress = z.object({
  runId: RunId,
  epoch: z.number().int(),
  epochs: z.number().int(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  samplesPerSec: z.number(),
  etaSeconds: z.number(),
  batchLoss: z.number(),
  /** Time the loop spends reporting (metrics, progress) as a fraction of the time of its steps. */
  loggingOverhead: z.number().optional(),
});
export type RunProgress = z.infer<typeof RunProgress>;

/** A registered family as the UI sees it: its presets and what its run view shows (declared in its spec). */
export const FamilyInfo = z.object({
  id: z.string(),
  label: z.string(),
  summary: z.string(),
  /** Each preset's model, so that the form applies one without asking. */
  presets: z.array(z.object({ name: z.string(), description: z.string(), model: z.unknown() })),
  /** The model's JSON Schema (input side, with each field's label, help and widget): what the new-run form renders. */
  modelSchema: z.record(z.string(), z.unknown()),
  /** A new run's config for this family: its default model, with its training and data set defaults. */
  defaultConfig: z.record(z.string(), z.unknown()),
  /** The training and data set settings it starts from whatever the user had chosen (e.g. BCE, the deepfake's two classes). */
  defaultTraining: z.record(z.string(), z.unknown()).nullable(),
  defaultDataset: z.record(z.string(), z.unknown()).nullable(),
  lossUnit: z.string(),
  /** The training objective's name when it is more than the reconstruction loss (e.g. 'rec + β·KL'). */
  objective: z.string().nullable(),
  metrics: z.array(MetricDeclaration),
  views: z.array(ViewDeclaration),
  datasetPairing: DatasetPairing.nullable(),
  /** What an evaluation may ask of its runs: `codes` (clustering, probes, disentanglement) and `likelihood` (the NLL). */
  evaluation: z.object({ codes: z.boolean(), likelihood: z.boolean() }),
  /** Its runs open in the explorer's live sliders (null: no decoder of codes), through these decoders. */
  explorer: z.object({ decoders: z.array(z.string()) }).nullable(),
  /** Where `runs.sample` draws from (null: no generative prior); 'learned-prior' runs train one with `prior.start`. */
  sampling: z.enum(['gaussian', 'conditional', 'learned-prior']).nullable(),
});
export type FamilyInfo = z.infer<typeof FamilyInfo>;

export const SystemInfo = z.object({
  studioVersion: z.string(),
  transport: z.enum(['electron', 'headless']),
  dbPath: z.string(),
  backend: BackendInfo.nullable(),
  backendError: z.string().nullable(),
  /** The machine's memory, which bounds what a model may take to train (families/memory.ts). */
  totalMemoryBytes: z.number(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const DatasetFactor = z.object({
  name: z.string(),
  /** The grid of values the generator draws from, or null for a continuous factor in [min, max]. */
  values: z.array(z.number()).nullable(),
  min: z.number(),
  max: z.number(),
});
export type DatasetFactor = z.infer<typeof DatasetFactor>;

export const DatasetKind = z.enum(['builtin', 'generated', 'imported']);

/** A data set a run can name: built in, generated from known factors, or imported by the user. */
export const DatasetInfo = z.object({
  name: z.string(),
  title: z.string(),
  kind: DatasetKind,
  description: z.string(),
  /** Where the images came from: a package, a folder, a file, or the generator and its seed. */
  source: z.string(),
  height: z.number().int(),
  width: z.number().int(),
  channels: z.number().int(),
  trainCount: z.number().int(),
  testCount: z.number().int(),
  /** Number of label values (0 = unlabelled) and their names. */
  classes: z.number().int(),
  labelNames: z.array(z.string()).nullable(),
  factors: z.array(DatasetFactor),
  /** The other identity of a generated pair: image i here and image i there share every factor. */
  twin: z.string().nullable(),
  /** How the train/test split was made. */
  split: z.string(),
  /** False when its files are missing (e.g. Fashion-MNIST without Debian's package); `hint` says what to do. */
  available: z.boolean(),
  /** False for a generated set not written yet: it is generated on first use. */
  stored: z.boolean(),
  hint: z.string().nullable(),
  sizeBytes: z.number().int(),
  hash: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

export const DatasetDetail = DatasetInfo.extend({
  trainLabelCounts: z.array(z.number().int()),
  testLabelCounts: z.array(z.number().int()),
});
export type DatasetDetail = z.infer<typeof DatasetDetail>;

export const DatasetSample = z.object({
  index: z.number().int(),
  label: z.number().int().nullable(),
  factors: z.array(z.number()).nullable(),
  png: z.string(),
});
export type DatasetSample = z.infer<typeof DatasetSample>;

export { DatasetName, datasetNamePattern, SweepSpec, sweepRunLimit };

export const ImportRequest = z.strictObject({
  path: z
    .string()
    .min(1)
    .meta({ label: 'Path', help: 'A folder of images (sub-folders = labels), an IDX file or folder, or an NPY file.' }),
  name: DatasetName.optional(),
  labelsPath: z.string().min(1).optional(),
  size: z.number().int().min(4).max(512).optional(),
  channels: z.union([z.literal('auto'), z.literal(1), z.literal(3)]).optional(),
  testFraction: z.number().min(0).max(0.9).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
});
export type ImportRequest = z.infer<typeof ImportRequest>;

export const GenerateRequest = z.strictObject({
  generator: z.enum(['shapes', 'faces']),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  count: z.number().int().min(10).max(1_000_000),
  name: DatasetName.optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

/** The job scheduler: how many workers may train at once, and what it holds now. */
export const SchedulerInfo = z.object({
  maxConcurrent: z.number().int(),
  defaultMaxConcurrent: z.number().int(),
  /** Threads each worker's backend gets: its share of the cores under the limit. */
  threadsPerWorker: z.number().int(),
  cores: z.number().int(),
  /** Work holding a slot now: training runs, evaluations and priors together. */
  running: z.number().int(),
  /** Work waiting for a slot, of every kind. */
  queued: z.number().int(),
  /** Of those, by kind (`train`, `evaluate`, `prior`). */
  byKind: z.record(z.string(), z.object({ running: z.number().int(), queued: z.number().int() })),
  /** Light work beside the limit, counted but not waiting for a slot: explorer sessions and one-shot requests (export, sample, latents). */
  light: z.number().int(),
  /** Runs interrupted because the studio stopped are resumed when it starts again. */
  autoResume: z.boolean(),
});
export type SchedulerInfo = z.infer<typeof SchedulerInfo>;

export const SweepId = z.number().int().positive();
export const ConfigLeaf = z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.number())]);

/** How a sweep's runs stand, counted by status. */
export const StatusCounts = z.object(
  Object.fromEntries(RunStatus.options.map((s) => [s, z.number().int()])) as Record<RunStatus, z.ZodNumber>,
);

export const SweepSummary = z.object({
  id: SweepId,
  name: z.string(),
  experiment: z.string(),
  method: z.enum(['grid', 'random']),
  createdAt: z.string(),
  /** Cancelled as a whole: its runs stay stopped until it is resumed. */
  state: z.enum(['active', 'cancelled']),
  total: z.number().int(),
  counts: StatusCounts,
  /** The swept config paths. */
  parameters: z.array(z.string()),
  /** Seconds until the last run ends, from the runs done so far and the scheduler's limit; null before one has ended. */
  etaSeconds: z.number().nullable(),
  /** Where it went when it was sent to a Slurm cluster: the array job, its shared folder and batch script. */
  slurm: SlurmSweepInfo.nullable(),
});
export type SweepSummary = z.infer<typeof SweepSummary>;

export const SweepRun = z.object({
  runId: RunId.nullable(),
  name: z.string(),
  params: z.record(z.string(), ConfigLeaf),
});
export const SweepDetail = SweepSummary.extend({
  spec: SweepSpec,
  runs: z.array(SweepRun.extend({ runId: RunId, status: RunStatus })),
});
export type SweepDetail = z.infer<typeof SweepDetail>;

/**
 * Runs as a table: the config fields that differ between them and their final metrics (`split.name`, e.g.
 * `test.kl`), read in a few queries whatever the number of runs.
 */
export const RunsTable = z.object({
  /** Config paths whose values differ between the rows (sweeps' parameters first). */
  fields: z.array(z.string()),
  /** Every final metric some row has, as `split.name`. */
  metrics: z.array(z.string()),
  rows: z.array(
    z.object({
      id: RunId,
      name: z.string(),
      experiment: z.string(),
      family: z.string(),
      status: RunStatus,
      sweepId: z.number().int().nullable(),
      createdAt: z.string(),
      epochs: z.number().int(),
      /** Every config leaf by path, so any field can be shown. */
      config: z.record(z.string(), ConfigLeaf),
      metrics: z.record(z.string(), z.number()),
      /** Its Slurm task, as `RunSummary.slurm` (absent where that is null). */
      slurm: SlurmRunInfo.optional(),
    }),
  ),
});
export type RunsTable = z.infer<typeof RunsTable>;
export const RunsQuery = z.strictObject({
  experiment: z.string().min(1).max(120).optional(),
  sweepId: SweepId.optional(),
  runIds: z.array(RunId).max(5000).optional(),
});

/** One metric's curve of one run, downsampled to at most `maxPoints` (the last point always kept). */
export const Curve = z.object({
  runId: RunId,
  split: MetricSplit,
  name: z.string(),
  step: z.array(z.number().int()),
  epoch: z.array(z.number()),
  value: z.array(z.number()),
});
export type Curve = z.infer<typeof Curve>;

export { EvaluationKind } from './evaluation-kinds';
export { JobState, JobId } from './jobs';
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
      images: z.number().int(),
      factors: z.array(z.string()),
      /** mutualInformation[factor][latent] in nats: the heat map. */
      mutualInformation: z.array(z.array(z.number())),
      factorEntropies: z.array(z.number()),
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
  /** The checkpoint of this epoch (default: the newest that verifies). */
  epoch: z.number().int().min(0).optional(),
});
export type EvaluationRequest = z.infer<typeof EvaluationRequest>;

const empty = z.strictObject({});
const byRun = z.strictObject({ runId: RunId });

export const commands = {
  'system.info': { input: empty, output: SystemInfo },
  'families.list': { input: empty, output: z.array(FamilyInfo) },
  'presets.get': { input: z.strictObject({ name: z.string() }), output: RunConfig },
  'runs.start': { input: z.strictObject({ config: RunConfig }), output: z.object({ runId: RunId }) },
  /** Writes the run's models (tfjs layers format), config and metrics CSV into the studio's exports folder. */
  'runs.export': {
    input: byRun,
    output: z.object({ outDir: z.string(), epoch: z.number().int(), files: z.array(z.string()) }),
  },
  /** Writes a stopped run's test codes, labels and factors (NPY and CSV) into the studio's exports folder (a remote `export --latents`). */
  'runs.exportLatents': {
    input: z.strictObject({ runId: RunId, epoch: z.number().int().min(0).optional() }),
    output: z.object({
      outDir: z.string(),
      epoch: z.number().int(),
      files: z.array(z.string()),
      count: z.number().int(),
      dim: z.number().int(),
    }),
  },
  /**
   * A stopped run's test codes (posterior means for VAEs), the ones `export --latents` writes, for the projector.
   * `codes` is base64 of float32 little-endian [count, dim] row-major, `factors` likewise [count, factorNames.length].
   * Test image i is `datasets.samples` (split test) of `images.datasets[images.set?.[i] ?? 0]` at offset
   * `images.index?.[i] ?? i` (they differ where the run chose classes or a second set).
   */
  'runs.latents': {
    input: z.strictObject({ runId: RunId, epoch: z.number().int().min(0).optional() }),
    output: z.object({
      epoch: z.number().int(),
      count: z.number().int(),
      dim: z.number().int(),
      codes: z.string(),
      labels: z.array(z.number().int()).nullable(),
      /** The names of the label values as the run sees them (its classes, or the pair's two sets), when known. */
      labelNames: z.array(z.string()).nullable(),
      factors: z.string().nullable(),
      factorNames: z.array(z.string()),
      images: z.object({
        datasets: z.array(z.string()).min(1),
        set: z.array(z.number().int()).nullable(),
        index: z.array(z.number().int()).nullable(),
      }),
    }),
  },
  'scheduler.get': { input: empty, output: SchedulerInfo },
  'scheduler.set': {
    input: z.strictObject({ maxConcurrent: z.number().int().min(1).max(64).optional(), autoResume: z.boolean().optional() }),
    output: SchedulerInfo,
  },
  /** Every run, newest first; `runIds` reads only those (what a live update needs). */
  'runs.list': { input: z.strictObject({ runIds: z.array(RunId).max(5000).optional() }), output: z.array(RunSummary) },
  'runs.table': { input: RunsQuery, output: RunsTable },
  /** Curves of many runs in one call, for the comparison. */
  'runs.curves': {
    input: z.strictObject({
      runIds: z.array(RunId).min(1).max(1000),
      metrics: z
        .array(z.strictObject({ split: MetricSplit, name: z.string().min(1).max(120) }))
        .min(1)
        .max(32),
      maxPoints: z.number().int().min(10).max(20000).default(1000),
    }),
    output: z.array(Curve),
  },
  /**
   * Expands a sweep spec, checks every config like `runs.start` does, and queues its runs (nothing is queued if any
   * is refused). `dryRun` only expands and checks: the form's preview.
   */
  'sweeps.create': {
    /** With `slurm`, the sweep is submitted to the cluster as one job array instead of the local queue. */
    input: z.strictObject({ spec: SweepSpec, dryRun: z.boolean().optional(), slurm: SlurmOptions.optional() }),
    /** A dry run answers its refusals as `issues` (a check, not a failed request); a real one refuses with 400. */
    output: z.object({
      sweepId: SweepId.nullable(),
      runs: z.array(SweepRun),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  },
  'sweeps.list': { input: empty, output: z.array(SweepSummary) },
  'sweeps.get': { input: z.strictObject({ sweepId: SweepId }), output: SweepDetail },
  /**
   * The batch script of a sweep sent to Slurm, as the studio saved it in the sweep's shared folder (read-only; the
   * path is the one the studio wrote, never one from the request).
   */
  'sweeps.script': {
    input: z.strictObject({ sweepId: SweepId }),
    output: z.object({ path: z.string(), text: z.string() }),
  },
  /** Cancels every queued and running run of the sweep. */
  'sweeps.cancel': { input: z.strictObject({ sweepId: SweepId }), output: SweepSummary },
  /** Continues every run of the sweep that stopped before its end (interrupted, cancelled, failed). */
  'sweeps.resume': { input: z.strictObject({ sweepId: SweepId }), output: SweepSummary },
  'runs.get': { input: byRun, output: RunDetail },
  'runs.metrics': { input: byRun, output: z.array(MetricPoint) },
  'runs.cancel': { input: byRun, output: z.object({ status: RunStatus }) },
  /**
   * Continues an interrupted, cancelled or failed run from its last good checkpoint, or extends a
   * completed one by `addEpochs`; the run keeps its id and its curve.
   */
  'runs.resume': {
    input: z.strictObject({ runId: RunId, addEpochs: z.number().int().min(1).max(10000).optional() }),
    output: z.object({ runId: RunId, fromEpoch: z.number().int(), epochs: z.number().int(), skipped: z.array(z.string()) }),
  },
  'runs.delete': { input: byRun, output: z.object({ deleted: z.boolean() }) },
  'datasets.list': { input: empty, output: z.array(DatasetInfo) },
  'datasets.get': { input: z.strictObject({ name: DatasetName }), output: DatasetDetail },
  'datasets.samples': {
    input: z.strictObject({
      name: DatasetName,
      split: z.enum(['train', 'test']),
      offset: z.number().int().min(0).default(0),
      count: z.number().int().min(1).max(256).default(48),
    }),
    output: z.object({ total: z.number().int(), samples: z.array(DatasetSample) }),
  },
  'datasets.import': { input: ImportRequest, output: DatasetInfo },
  'datasets.generate': { input: GenerateRequest, output: z.array(DatasetInfo) },
  'datasets.delete': { input: z.strictObject({ name: DatasetName }), output: z.object({ deleted: z.boolean() }) },
  'artifacts.list': { input: byRun, output: z.array(ArtifactInfo) },
  /** The images of many runs, without their bytes (one query): what the comparison's image grid picks from. */
  'artifacts.index': {
    input: z.strictObject({ runIds: z.array(RunId).min(1).max(1000), kind: z.string().min(1).max(64).optional() }),
    output: z.array(ArtifactInfo),
  },
  /** What images many runs have: each kind with its mime, how many runs have it and at which epochs (one query). */
  'artifacts.kinds': {
    input: z.strictObject({ runIds: z.array(RunId).min(1).max(1000) }),
    output: z.array(z.object({ kind: z.string(), mime: z.string(), runs: z.number().int(), epochs: z.array(z.number().int()) })),
  },
  /** Queues an evaluation of a finished run's latent space at a checkpoint; it runs in a worker and ends with `evaluation.status`. */
  'evaluations.start': { input: EvaluationRequest, output: z.object({ evaluationId: EvaluationId }) },
  /** A run's evaluations, oldest first, with their figures. */
  'evaluations.list': { input: z.strictObject({ runId: RunId }), output: z.array(Evaluation) },
  /**
   * Cancels a queued or running job (an evaluation, a learned prior; their ids are job ids): its worker is killed and
   * it ends as cancelled. `cancelled` is false for a job that had already ended.
   */
  'jobs.cancel': { input: z.strictObject({ jobId: JobId }), output: z.object({ cancelled: z.boolean() }) },
  /** Live latent sliders: explorer.open, .decode, .encode, .close (src/shared/explorer.ts). */
  ...explorerCommands,
  /** A VQ-VAE's learned prior (prior.start, prior.get) and samples of a run (runs.sample): src/shared/prior.ts. */
  ...priorCommands,
} as const;

export const events = {
  'run.status': z.object({ runId: RunId, status: RunStatus, error: z.string().nullable(), backend: z.string().nullable() }),
  'run.progress': RunProgress,
  'run.metrics': z.object({ runId: RunId, points: z.array(MetricPoint) }),
  'run.artifact': ArtifactInfo,
  'run.warning': z.object({ runId: RunId, message: z.string() }),
  /** Progress of an import or a generation: `done` of `total` images. */
  'dataset.progress': z.object({
    name: z.string(),
    task: z.enum(['import', 'generate']),
    done: z.number().int(),
    total: z.number().int(),
  }),
  'dataset.changed': z.object({ name: z.string() }),
  /** A sweep was created, cancelled or resumed (its runs' own events say how they progress). */
  'sweep.changed': z.object({ sweepId: SweepId }),
  /** An evaluation was queued, started, completed (with its headline figures) or failed. */
  'evaluation.status': z.object({
    evaluationId: EvaluationId,
    runId: RunId,
    status: EvaluationStatus,
    error: z.string().nullable(),
    figures: z.record(z.string(), z.number()),
  }),
  ...priorEvents,
} as const;

export type CommandName = keyof typeof commands;
export type EventName = keyof typeof events;
export type CommandInput<K extends CommandName> = z.input<(typeof commands)[K]['input']>;
export type CommandOutput<K extends CommandName> = z.infer<(typeof commands)[K]['output']>;
export type EventPayload<K extends EventName> = z.infer<(typeof events)[K]>;

/** What the core implements; transports only route to it. */
export type Api = { [K in CommandName]: (input: z.infer<(typeof commands)[K]['input']>) => Promise<CommandOutput<K>> };

export interface ApiErrorBody {
  code: 'bad_request' | 'not_found' | 'conflict' | 'internal';
  message: string;
  issues?: { path: string; message: string }[];
}
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export type StudioEvent = { [K in EventName]: { name: K; payload: EventPayload<K> } }[EventName];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

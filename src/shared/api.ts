import { z } from 'zod';
import { DatasetName, RunConfig } from './config';
import { SweepSpec, sweepMethods, sweepRunLimit } from './sweep';
import { RungRecord } from './sweep-search';
import { SlurmOptions, SlurmRunInfo, SlurmSweepInfo } from './slurm';
import { explorerCommands } from './explorer';
import { priorCommands, priorEvents } from './prior';
import { JobId, OpenJob, RunId, SchedulerInfo } from './jobs';
import { Labels, LabelsChange } from './labels';
import { ArtifactInfo, BackendInfo, MetricPoint, MetricSplit, RunDetail, RunProgress, RunStatus, RunSummary } from './runs';
import { DatasetDetail, DatasetInfo, DatasetSample, GenerateRequest, ImportRequest } from './datasets';
import { Evaluation, EvaluationId, EvaluationRequest, EvaluationStatus, EvaluationStep } from './evaluations';
import { DatasetPairing, MetricDeclaration, ViewDeclaration } from './family-declarations';

/** Contract between the renderer and the core. Every transport derives from these two records. */

export * from './runs';
export { RunId };
export { JobState, JobId, JobKind, OpenJob, SchedulerInfo } from './jobs';
export { SweepSpec, sweepRunLimit };

/** A registered family as the UI sees it: its presets and what its run view shows (declared in its spec). */
export const FamilyInfo = z.object({
  id: z.string(),
  label: z.string(),
  summary: z.string(),
  /** Each preset's model, so that the form applies one without asking. */
  presets: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      model: z.unknown(),
      /** Training settings the preset stands for (the loss its weights are scaled to), or null. */
      training: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
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
  sampling: z.enum(['gaussian', 'conditional', 'vamp', 'learned-prior']).nullable(),
  /** Its part in the disentanglement study (its name there and its strengths), or null. */
  study: z.object({ label: z.string(), strengths: z.array(z.string()) }).nullable(),
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

export * from './datasets';

export const SweepId = z.number().int().positive();
export const ConfigLeaf = z.union([z.number(), z.string(), z.boolean(), z.null(), z.array(z.number())]);

/** How a sweep's runs stand, counted by status. */
export const StatusCounts = z.object(
  Object.fromEntries(RunStatus.options.map((s) => [s, z.number().int()])) as Record<RunStatus, z.ZodNumber>,
);

export const SweepSummary = z
  .object({
    id: SweepId,
    name: z.string(),
    experiment: z.string(),
    method: z.enum(sweepMethods),
    createdAt: z.string(),
    /** Cancelled as a whole: its runs stay stopped until it is resumed. */
    state: z.enum(['active', 'cancelled']),
    /** Runs made so far. */
    total: z.number().int(),
    /** Runs it makes in all: a bayes sweep proposes the rest as runs end. */
    planned: z.number().int(),
    counts: StatusCounts,
    /** The swept config paths. */
    parameters: z.array(z.string()),
    /** Seconds until the last run ends, from the runs done so far and the scheduler's limit; null before one has ended. */
    etaSeconds: z.number().nullable(),
    /** Where it went when it was sent to a Slurm cluster: the array job, its shared folder and batch script. */
    slurm: SlurmSweepInfo.nullable(),
  })
  .merge(Labels);
export type SweepSummary = z.infer<typeof SweepSummary>;

export const SweepRun = z.object({
  runId: RunId.nullable(),
  name: z.string(),
  params: z.record(z.string(), ConfigLeaf),
});
export const SweepDetail = SweepSummary.extend({
  spec: SweepSpec,
  /**
   * Each run with its configured epochs, the epochs it has trained (how far Hyperband let it get), and a phased
   * family's pretraining, which `trained` counts and `epochs` and Hyperband's rungs do not (absent from older hosts).
   */
  runs: z.array(
    SweepRun.extend({
      runId: RunId,
      status: RunStatus,
      epochs: z.number().int(),
      trained: z.number(),
      pretraining: z.number().int().optional(),
    }),
  ),
  /** Hyperband's record: each run's metric at each rung it reached, and what was decided there. */
  rungs: z.array(RungRecord),
});
export type SweepDetail = z.infer<typeof SweepDetail>;

/**
 * Runs as a table: the config fields that differ between them and their final metrics (`split.name`, e.g.
 * `test.kl`), read in a few queries whatever the number of runs.
 */
export const RunsTable = z.object({
  /** Config paths whose values differ between the rows (sweeps' parameters first). */
  fields: z.array(z.string()),
  /** Those of `fields` a sweep of the rows varies (the first of them). */
  swept: z.array(z.string()),
  /** Every final metric some row has, as `split.name`. */
  metrics: z.array(z.string()),
  rows: z.array(
    // A run's own facts and labels, as its summary has them.
    RunSummary.pick({
      id: true,
      name: true,
      experiment: true,
      family: true,
      status: true,
      sweepId: true,
      createdAt: true,
      epochs: true,
      tags: true,
      notes: true,
      starred: true,
    }).extend({
      /** Every config leaf by path, so any field can be shown. */
      config: z.record(z.string(), ConfigLeaf),
      metrics: z.record(z.string(), z.number()),
      /**
       * The `eval.*` figures of a checkpoint other than the one the run is judged at (its best where early stopping
       * ended it, else its newest: an evaluation from before an extension, or of a chosen epoch), with that
       * checkpoint's epoch: they describe the model as it was then, not beside the final metrics. Absent when none.
       */
      staleEvaluations: z.record(z.string(), z.number().int()).optional(),
      /**
       * Where the run ended before its last epoch (stopped at a Hyperband rung, failed, cancelled, interrupted): the
       * epoch of its last test figures, which its final metrics are of. Absent for a run that completed or trains.
       */
      endedAtEpoch: z.number().optional(),
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

export * from './evaluations';

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
      /** Each image's cluster, for a clustering model once its clusters exist (DEC's argmax q). */
      clusters: z.array(z.number().int()).nullable().optional(),
      images: z.object({
        datasets: z.array(z.string()).min(1),
        set: z.array(z.number().int()).nullable(),
        index: z.array(z.number().int()).nullable(),
      }),
    }),
  },
  'scheduler.get': { input: empty, output: SchedulerInfo },
  'scheduler.set': {
    input: z.strictObject({
      maxConcurrent: z.number().int().min(1).max(64).optional(),
      autoResume: z.boolean().optional(),
      paused: z.boolean().optional(),
    }),
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
      /** What the spec is warned of, though taken (an objective that is a loss, in a sweep of β: its runs' losses differ in scale). */
      warnings: z.array(z.string()).optional(),
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
  /** Renames a sweep, or sets its tags, notes or star; ends with `sweep.changed`. */
  'sweeps.label': { input: z.strictObject({ sweepId: SweepId, ...LabelsChange }), output: SweepSummary },
  'runs.get': { input: byRun, output: RunDetail },
  'runs.metrics': { input: byRun, output: z.array(MetricPoint) },
  'runs.cancel': { input: byRun, output: z.object({ status: RunStatus }) },
  /**
   * Continues an interrupted, cancelled or failed run from its last good checkpoint, or extends a
   * completed one by `addEpochs` past the epoch it ended at (early stopping's, or its last); the run keeps its id
   * and its curve.
   */
  'runs.resume': {
    input: z.strictObject({ runId: RunId, addEpochs: z.number().int().min(1).max(10000).optional() }),
    output: z.object({
      runId: RunId,
      fromEpoch: z.number().int(),
      /** The config's `training.epochs` now. */
      epochs: z.number().int(),
      /** The epoch it trains to: `epochs` after a phased family's pretraining. */
      toEpoch: z.number().int(),
      skipped: z.array(z.string()),
    }),
  },
  'runs.delete': { input: byRun, output: z.object({ deleted: z.boolean() }) },
  /** Renames a run, or sets its tags, notes or star (only the fields given); ends with `run.labels`. */
  'runs.label': { input: z.strictObject({ runId: RunId, ...LabelsChange }), output: RunSummary },
  /** Runs that match a search (src/shared/search.ts), newest first. */
  'runs.search': {
    input: z.strictObject({ query: z.string().max(2000) }),
    /** `hints`: why the query may match nothing it meant (`searchHints`): a comparison without a field, a field no run has. */
    output: z.object({ runIds: z.array(RunId), sweepIds: z.array(SweepId), hints: z.array(z.string()).optional() }),
  },
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
   * it ends as cancelled; a run's training job cancels the run. `cancelled` is false for a job that had already ended.
   */
  'jobs.cancel': { input: z.strictObject({ jobId: JobId }), output: z.object({ cancelled: z.boolean() }) },
  /**
   * The work not over, of every kind: what holds a worker first, then this machine's queue in the order it starts,
   * then what waits on a Slurm cluster.
   */
  'jobs.list': { input: empty, output: z.array(OpenJob) },
  /** Moves a job of this machine's queue to its front: it starts next. `moved` is false once it no longer waits. */
  'jobs.moveToFront': { input: z.strictObject({ jobId: JobId }), output: z.object({ moved: z.boolean() }) },
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
  /** A checkpoint of the run was kept (its page's checkpoints and history move on with it). */
  'run.checkpoint': z.object({ runId: RunId, epoch: z.number().int() }),
  /** A run was renamed, tagged, annotated or starred: its new summary. */
  'run.labels': RunSummary,
  /** A run was deleted, by this window or another (another window's list, table and selection drop it). */
  'run.deleted': z.object({ runId: RunId }),
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
  /** A running evaluation began a step (its phases take from a second to a minute: the β-VAE score renders images). */
  'evaluation.step': z.object({ evaluationId: EvaluationId, runId: RunId, step: EvaluationStep }),
  /**
   * A worker of this studio ended or started beside the runs' and jobs' own events (a worker outlives its run's or
   * job's end by a moment), or its settings were set (how many at once, paused, resume at start): the scheduler's
   * counts or settings may have changed (read them with scheduler.get).
   */
  'scheduler.changed': z.object({}),
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

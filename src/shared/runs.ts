/** The contract's runs: their status, environment, metrics, artifacts and progress. */
import { z } from 'zod';
import { RunConfig, splitWord } from './config';
import { JobId, RunId } from './jobs';
import { Labels } from './labels';
import { SlurmRunInfo } from './slurm';

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted', 'stopped']);
export type RunStatus = z.infer<typeof RunStatus>;
/** 'stopped': Hyperband ended it at a rung (its checkpoints kept, so it can be extended). */
export const finishedStatuses: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'interrupted', 'stopped'];

/** A WebGPU adapter as it describes itself, the Dawn backend it was reached through, and whether it is a software one. */
export const GpuAdapterInfo = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  dawnBackend: z.string(),
  software: z.boolean(),
});
export type GpuAdapterInfo = z.infer<typeof GpuAdapterInfo>;

/** The adapter's name: vendor, architecture and device as far as it gives them ('nvidia hopper NVIDIA H100'). */
export const adapterName = (a: GpuAdapterInfo): string =>
  [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';

/** The adapter's name, marked when it is a software one ('llvmpipe (software)'). */
export const adapterLabel = (a: GpuAdapterInfo): string => `${adapterName(a)}${a.software ? ' (software)' : ''}`;

/** The adapter in one line: its name, its description and the Dawn backend it was reached through. */
export const describeAdapter = (a: GpuAdapterInfo): string =>
  `${adapterName(a)}, ${a.description || 'no description'}, through Dawn's ${a.dawnBackend}`;

export const BackendInfo = z.object({
  name: z.string(),
  version: z.string(),
  gpu: z.boolean(),
  reason: z.string(),
  /** The adapter a webgpu run trained on. */
  adapter: GpuAdapterInfo.optional(),
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
  /**
   * The images the model was built for (as the run saw its data set): what rebuilds it where the data set is gone
   * or changed since (an export). Absent in runs started before it was recorded.
   */
  modelInput: z
    .object({
      height: z.number().int(),
      width: z.number().int(),
      channels: z.number().int(),
      classes: z.number().int(),
      trainCount: z.number().int(),
    })
    .optional(),
});
export type Environment = z.infer<typeof Environment>;

/** 'prior': a VQ-VAE's learned prior, trained after the run (its NLL in bits per code position, epoch by epoch); 'val': the validation images a run holds out of its training set (dataset.validationFraction). */
export const MetricSplit = z.enum(['train', 'test', 'prior', 'val']);
export const MetricPoint = z.object({
  step: z.number().int(),
  epoch: z.number(),
  split: MetricSplit,
  name: z.string(),
  value: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const LatestMetric = z.object({ split: MetricSplit, name: z.string(), value: z.number(), step: z.number().int() });

/**
 * How a run that early stopping ended stopped: the epoch it stopped after, and its best epoch by the rule's metric,
 * read on the validation split where the run holds one out (`split`, absent in older records: test).
 */
export const StoppedEarly = z.object({
  epoch: z.number().int(),
  bestEpoch: z.number().int(),
  metric: z.string(),
  mode: z.enum(['min', 'max']),
  best: z.number(),
  split: z.enum(['test', 'val']).optional(),
  /** The rule's patience and min delta (absent in older records). */
  patience: z.number().int().optional(),
  minDelta: z.number().optional(),
});
export type StoppedEarly = z.infer<typeof StoppedEarly>;

const figure = (v: number) =>
  Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? Number(v.toPrecision(4)).toString() : v.toExponential(3);

/**
 * The sentence the UI and the CLI say about a run that early stopping ended: what it watched, by how much it had to
 * improve in how many epochs, and its best epoch; a min delta of a tenth of the best value or more is pointed out
 * (on a loss of 0.06, a min delta of 1 stops any run at its patience, however it improves).
 */
export function stoppedEarlyText(
  s: StoppedEarly,
  /** The checkpoint the run is used at (`runs.get`'s `defaultCheckpoint`): said where it is a best one kept. */
  used?: { epoch: number; bestBy: string | null } | null,
  /** Its last epoch (pretraining included): a rule out of patience there ended nothing early. */
  lastEpoch?: number,
): string {
  const split = splitWord(s.split ?? 'test');
  const by = s.minDelta ? ` by more than ${figure(s.minDelta)} (min delta)` : '';
  const within = s.patience !== undefined ? ` in ${s.patience} epoch${s.patience === 1 ? '' : 's'}` : '';
  const large =
    s.minDelta && s.minDelta >= Math.abs(s.best) / 10
      ? `; its min delta is ${s.best === 0 ? 'larger than' : `${Math.round((100 * s.minDelta) / Math.abs(s.best))} % of`} the best ${s.metric}`
      : '';
  // Keep-best may keep another epoch than the rule's best: it may watch another figure; it counts any improvement (as
  // Keras' ModelCheckpoint), with no min delta; and it chooses among the checkpoints that were kept.
  const why =
    used?.bestBy == null || used.bestBy !== s.metric
      ? 'it watches another figure'
      : s.minDelta
        ? 'it counts any improvement, with no min delta'
        : 'the best among the checkpoints kept';
  const kept =
    used?.bestBy == null
      ? ''
      : used.epoch === s.bestEpoch && used.bestBy === s.metric
        ? `. Export, evaluations and the explorer use that epoch's checkpoint (kept as the best)`
        : `. Export, evaluations and the explorer use epoch ${used.epoch}'s checkpoint, the best by ${used.bestBy} that keep-best kept (${why})`;
  const ended =
    lastEpoch !== undefined && s.epoch >= lastEpoch
      ? `trained to its last epoch (${s.epoch}), where early stopping's patience ran out too`
      : `stopped early after epoch ${s.epoch}`;
  return `${ended}: ${split} ${s.metric} no longer improved${by}${within}; best epoch ${s.bestEpoch} (${s.metric} ${figure(s.best)})${large}${kept}`;
}

export const RunSummary = z
  .object({
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
    /** Set when early stopping ended the run (it is then `completed`, before its last epoch). */
    stoppedEarly: StoppedEarly.nullable(),
    latest: z.array(LatestMetric),
  })
  .merge(Labels);
export type RunSummary = z.infer<typeof RunSummary>;

/**
 * One start of a run's training, as its history shows it: the first, and each resume or extension. Where and on what
 * it trained, the epochs it covered, and how it ended.
 */
export const RunAttempt = z.object({
  id: JobId,
  /**
   * False for an attempt that ended before the studio kept what it trained on and how far it got: then only its
   * status, error, host and times are known.
   */
  recorded: z.boolean(),
  /** How the attempt ended (the run's status then), or queued / running while it is not over. */
  status: RunStatus,
  error: z.string().nullable(),
  executor: z.enum(['local', 'slurm']),
  /** The host of the studio that supervised it (where a local attempt trains). */
  host: z.string().nullable(),
  /** Its Slurm task, for an attempt on a cluster. */
  slurm: z.object({ jobId: z.string(), taskId: z.number().int() }).nullable(),
  /** The backend it trained on and, for webgpu, the adapter; null for an attempt that never started. */
  backend: z.string().nullable(),
  adapter: GpuAdapterInfo.nullable(),
  /** The epoch it continued from (0: the beginning) and the epochs it was to reach. */
  fromEpoch: z.number().int(),
  toEpoch: z.number().int(),
  /** The epoch of the run's last checkpoint when it ended (while it runs: now); null when it had none. */
  reachedEpoch: z.number().int().nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
export type RunAttempt = z.infer<typeof RunAttempt>;

export const RunDetail = RunSummary.extend({
  config: RunConfig,
  configHash: z.string(),
  seed: z.number().int(),
  backendReason: z.string().nullable(),
  environment: Environment.nullable(),
  warnings: z.array(z.string()),
  /**
   * Each time the run continued: after it stopped before its end (resumed), or after it completed (extended by
   * more epochs); how it had ended, and the epoch it continued from.
   */
  interruptions: z.array(
    z.object({
      at: z.string(),
      status: RunStatus,
      error: z.string().nullable(),
      resumedFromEpoch: z.number().int(),
      /** When the part before it ended; absent in older records. */
      endedAt: z.string().nullable().optional(),
      /** The epochs it had before it was extended by more; absent where it continued as it was (and in older records). */
      extendedFrom: z.number().int().optional(),
    }),
  ),
  checkpoints: z.array(
    z.object({ epoch: z.number().int(), step: z.number().int(), path: z.string(), sizeBytes: z.number().int() }),
  ),
  /** Every start of its training, the first first. */
  attempts: z.array(RunAttempt),
  /**
   * The checkpoint evaluations, the explorer, export and priors use when none is named (`runs.get` gives it): the
   * newest (`bestBy` null), or for a run early stopping ended that keeps its best, the best by that metric (of the
   * validation split where the run holds one out, else of the test split).
   */
  defaultCheckpoint: z.object({ epoch: z.number().int(), bestBy: z.string().nullable() }).nullable().optional(),
  /** A phased family's epochs before `training.epochs` (DEC's, the stacked AE's pretraining), counted in its epochs. */
  pretrainingEpochs: z.number().int().optional(),
  /** What its training loss adds up to, where that is more than the reconstruction (its model's, e.g. an EMA codebook's). */
  objective: z.string().optional(),
  /** Where a phased family's training turns to its next phase, after `epoch` epochs (FamilySpec.phases); absent for the rest. */
  phases: z.array(z.object({ epoch: z.number().int(), label: z.string() })).optional(),
  /** Why its reconstructions are no measure of it, where they are not (DEC drops its decoder once clustering starts). */
  untrainedDecoder: z.string().optional(),
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

type Continuation = RunDetail['interruptions'][number];

/** A cosine's cycle: from the epoch it starts at, over the run's epochs then (pretraining included). */
export interface ScheduleCycle {
  from: number;
  epochs: number;
}

/**
 * The cycles a run's schedule went through (see StepPosition.cycleStart): the first from epoch 0 over the epochs the
 * run first had, then one from each epoch it was extended after, over the epochs it had from then on. `epochs` and
 * `extendedFrom` count `training.epochs`; `pretraining` is added, as the trainer's epochs include it. Older records
 * lack `extendedFrom`: their runs were trained on one stretched cycle.
 */
export function scheduleCycles(records: readonly Continuation[], epochs: number, pretraining = 0): ScheduleCycle[] {
  const extensions = records.filter((r) => r.extendedFrom !== undefined);
  return [0, ...extensions.map((r) => r.resumedFromEpoch)].map((from, i) => ({
    from,
    epochs: pretraining + (extensions[i]?.extendedFrom ?? epochs),
  }));
}

/** How a run continued, in words: "extended after epoch 2", "2 interruptions, resumed from epochs 3, 5", or both. */
export function continuationText(records: readonly Continuation[]): string {
  const extended = records.filter((r) => r.status === 'completed').map((r) => r.resumedFromEpoch);
  // Stopped by Hyperband at a rung, then trained on by the user: the sweep's judgement, not an interruption.
  const trainedOn = records.filter((r) => r.status === 'stopped').map((r) => r.resumedFromEpoch);
  const resumed = records.filter((r) => r.status !== 'completed' && r.status !== 'stopped').map((r) => r.resumedFromEpoch);
  const parts: string[] = [];
  if (extended.length > 0) parts.push(`extended after epoch${extended.length > 1 ? 's' : ''} ${extended.join(', ')}`);
  if (trainedOn.length > 0) parts.push(`trained on after Hyperband stopped it at epoch ${trainedOn.join(', ')}`);
  if (resumed.length > 0) {
    const n = resumed.length;
    parts.push(`${n} interruption${n > 1 ? 's' : ''}, resumed from epoch${n > 1 ? 's' : ''} ${resumed.join(', ')}`);
  }
  return parts.join('; ');
}

/**
 * The runs table's column of how long a completed run (or one Hyperband stopped) trained (`trainedSeconds` of
 * ./attempts), beside its final metrics: sortable,
 * in the CSV, and an objective of `runs --pareto` (test.loss:min,run.training_seconds:min).
 */
export const trainingSecondsKey = 'run.training_seconds';

/**
 * Seconds a run spent training: from its start to its end, less the pauses between a part's end and the request
 * that continued it (a run extended a day later trained for minutes, not a day). Null when an older record does not
 * say when a part ended.
 */
export function trainingSeconds(
  run: Pick<RunDetail, 'startedAt' | 'endedAt' | 'interruptions'>,
  now: number = Date.now(),
): number | null {
  if (!run.startedAt) return null;
  const t = (iso: string) => new Date(iso).getTime();
  let seconds = ((run.endedAt ? t(run.endedAt) : now) - t(run.startedAt)) / 1000;
  for (const r of run.interruptions) {
    if (r.endedAt === undefined) return null;
    if (r.endedAt !== null) seconds -= Math.max(0, t(r.at) - t(r.endedAt)) / 1000;
  }
  return seconds;
}

import type {
  BackendInfo,
  Environment,
  EvaluationDetails,
  EvaluationKind,
  EvaluationStep,
  MetricPoint,
  RunProgress,
  StoppedEarly,
} from '../../shared/api';
import type { BackendPreference, RunConfig } from '../../shared/config';
import type { NewArtifact } from '../store/artifacts';
import type { CheckpointRecord } from '../store/checkpoints';
import type { ResumePoint } from '../store/runs';
import type { ModelInput } from './rebuild';
import type { PriorMessage, PriorRequest, SampleRequest } from '../prior/messages';

export interface DatasetLocations {
  root: string;
  fashionDir?: string;
}

/** Messages between the studio and a training worker process. */
export type ToWorker =
  | {
      type: 'train';
      runId: number;
      config: RunConfig;
      configHash: string;
      checkpointDir: string;
      studioVersion: string;
      /** Where stored data sets live, and where Debian's Fashion-MNIST is looked for. */
      datasets: DatasetLocations;
      /** Continue from this checkpoint instead of from the beginning. */
      resume?: ResumePoint | null;
      /**
       * Hyperband's rungs: after each of these epochs (its metrics posted) the worker posts `rung` and waits for
       * `rungDecision`; told to stop, it writes a checkpoint of that epoch and ends (`done` with `stoppedAtRung`).
       */
      rungs?: number[];
    }
  | { type: 'rungDecision'; epoch: number; stop: boolean }
  | { type: 'probe'; preference: BackendPreference }
  /** Rebuilds a run's model from its config and a checkpoint and writes its parts as tfjs layers models. */
  /** `modelInput`: what the run recorded its model was built for (else its data set is opened to learn it). */
  | {
      type: 'export';
      config: RunConfig;
      checkpoint: ResumePoint;
      outDir: string;
      datasets: DatasetLocations;
      modelInput?: ModelInput | undefined;
    }
  /** Rebuilds a run's model at a checkpoint, encodes its test split and computes the latent-space metrics asked for. */
  | {
      type: 'evaluate';
      config: RunConfig;
      checkpoint: ResumePoint;
      datasets: DatasetLocations;
      what: EvaluationKind[];
      seed: number;
      nllSamples: number;
      /** Training points of the β-VAE and FactorVAE scores (each evaluates on half as many). */
      scorePoints: number;
      /**
       * Images drawn from a generated set's factors for MIG, SAP and DCI (SAP and DCI test on half as many more);
       * null: the test split's images, as evaluations queued before the choice did.
       */
      disentanglementPoints: number | null;
      /** Raw-pixel baselines already computed for this data and seed: the worker uses them instead of computing them. */
      baselines: PixelBaselines;
    }
  /** Rebuilds a run's model at a checkpoint and answers the codes of its test split, with labels and factors. */
  | { type: 'latents'; config: RunConfig; checkpoint: ResumePoint; datasets: DatasetLocations }
  /**
   * Starts an explorer session: rebuilds a run's model at a checkpoint, answers `explorerReady`, then stays alive
   * answering `decode` and `encode` (each with its own id) until `close`, or until it is killed.
   */
  | { type: 'explore'; config: RunConfig; checkpoint: ResumePoint; datasets: DatasetLocations }
  /** Decodes rows of codes; `labels` (one per row) is the class for a conditional model, the decoder for the deepfake. */
  | { type: 'decode'; id: number; z: number[][]; labels?: number[] }
  /** The codes of test images by index (posterior means for VAEs), with their labels and 8-bit pixels. */
  | { type: 'encode'; id: number; split: 'test'; indices: number[] }
  | { type: 'close' }
  /** A VQ-VAE's learned prior (a PixelCNN over its code grids), and samples of a run's model: src/core/prior. */
  | PriorRequest
  | SampleRequest;

/**
 * A raw-pixel baseline of one evaluation kind: its figures (`pixels_*`) and the details it adds (the pixel
 * confusion matrix, the pixel probe rows). It depends on the images, the seed and the settings, not on a model.
 */
export interface PixelBaseline {
  figures: Record<string, number>;
  details: EvaluationDetails;
  seconds: number;
}
export type PixelBaselines = Partial<Record<'clustering' | 'probe', PixelBaseline>>;

/** The codes of a run's test split (posterior means for VAEs), row-major [count, dim], with its labels and factors. */
export interface TestLatents {
  codes: Float32Array;
  dim: number;
  count: number;
  labels: Uint8Array | null;
  /** count × factorNames.length, row-major (generated sets only). */
  factors: Float32Array | null;
  factorNames: string[];
  /** Each image's cluster, for a clustering model once its clusters exist (DEC's argmax q). */
  clusters?: Int32Array | null;
}

/** What an export holds, for its `export.json`: each layers model's input and output shapes, each array's shape, in words. */
export interface ExportContents {
  parts: Record<string, { inputs: (number | null)[][]; outputs: (number | null)[][]; note?: string }>;
  arrays: Record<string, { shape: number[]; note?: string }>;
}

export type FromWorker =
  | { type: 'started'; environment: Environment }
  | { type: 'progress'; progress: RunProgress }
  | { type: 'metrics'; points: MetricPoint[] }
  | { type: 'artifact'; artifact: NewArtifact }
  | { type: 'checkpoint'; checkpoint: CheckpointRecord }
  | { type: 'warning'; message: string }
  | { type: 'done'; stoppedEarly?: StoppedEarly; stoppedAtRung?: number }
  /** The run finished a rung epoch: it waits for the studio's `rungDecision`. */
  | { type: 'rung'; epoch: number }
  | { type: 'failed'; error: string }
  | { type: 'probed'; backend: BackendInfo }
  | { type: 'exported'; files: string[]; contents?: ExportContents }
  /** An evaluation began a step (before its answer, `evaluated`). */
  | { type: 'evaluationStep'; step: EvaluationStep }
  | {
      type: 'evaluated';
      figures: Record<string, number>;
      details: EvaluationDetails;
      settings: Record<string, unknown>;
      /** The raw-pixel baselines it computed (not those it was given), for the studio to keep. */
      baselines: PixelBaselines;
    }
  | { type: 'latents'; latents: TestLatents }
  | { type: 'explorerReady'; explorer: ExplorerModelInfo }
  /** Rows of images, HWC, 8-bit: each value rounded as the studio's image views round it (images.ts, `toByte`). */
  | { type: 'decoded'; id: number; images: Uint8Array; rows: number; width: number; height: number; channels: number }
  | {
      type: 'encoded';
      id: number;
      /** Row-major [indices.length, dim]. */
      codes: Float32Array;
      dim: number;
      labels: number[] | null;
      /** The images themselves, HWC, 8-bit, one after another. */
      images: Uint8Array;
    }
  /** One explorer call failed (a bad request the worker found); the session goes on. */
  | { type: 'callFailed'; id: number; error: string }
  | PriorMessage
  | { type: 'probeFailed'; error: string };

/** What an explorer session's worker knows of its model once it is rebuilt. */
export interface ExplorerModelInfo {
  latentSize: number;
  /** Fed a one-hot label with every code (the CVAE's class, the deepfake's decoder). */
  conditional: boolean;
  classes: number;
  labelNames: string[] | null;
  height: number;
  width: number;
  channels: number;
  testCount: number;
  /** Per latent dimension over (up to) the first 1,000 test codes: what the sliders' ranges start from. */
  spread: { mean: number[]; std: number[]; min: number[]; max: number[] };
  /** Draws of the model's own prior when it has one (`samplePrior`), else null: N(0, I). */
  priorDraws: number[][] | null;
}

/** One worker process, whichever runtime started it (a Node fork or an Electron utilityProcess). */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once when the process is gone, with a human description of how it ended. */
  onExit(listener: (description: string, clean: boolean) => void): void;
  kill(): void;
  /** Stops following a job that runs elsewhere without stopping it (a Slurm task when the studio closes). */
  detach?(): void;
}

export interface LaunchOptions {
  /** Threads the worker's backend may use (its share of the cores under the scheduler's limit). */
  threads?: number;
}

export type WorkerLauncher = (options?: LaunchOptions) => WorkerHandle;

/** Where a worker reads its thread budget (wasm-threads.ts), and a user caps every worker's (0 or 1: one thread). */
export const threadsVariable = 'LATENT_STUDIO_WASM_THREADS';

/**
 * The environment that hands a worker its thread budget: its share of the cores, within the cap the studio was
 * started with, if any.
 */
export function workerEnv(options: LaunchOptions = {}, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!options.threads) return env;
  const cap = Number.parseInt(env[threadsVariable] ?? '', 10);
  const threads = Number.isNaN(cap) ? options.threads : Math.min(options.threads, Math.max(1, cap));
  return { ...env, [threadsVariable]: String(threads) };
}

export function describeExit(code: number | null, signal: string | null): string {
  if (signal === 'SIGKILL') return 'the training worker was killed (SIGKILL: killed by a user or the system, or out of memory)';
  if (signal) return `the training worker was stopped by signal ${signal}`;
  return `the training worker exited unexpectedly with code ${code ?? 'unknown'}`;
}

/**
 * The worker requests of learned priors and sampling, and their answers: part of the worker protocol
 * (protocol.ts's ToWorker and FromWorker include them).
 */
import type { RunConfig } from '../../shared/config';
import type { NewArtifact } from '../store/artifacts';
import type { CheckpointRecord } from '../store/checkpoints';
import type { ResumePoint } from '../store/runs';
import type { DatasetLocations } from '../training/protocol';

/** Trains a PixelCNN over a VQ-VAE run's code grids (its training split encoded at `checkpoint`). */
export interface PriorRequest {
  type: 'prior';
  config: RunConfig;
  checkpoint: ResumePoint;
  datasets: DatasetLocations;
  /** Where the prior's checkpoint is written: the run's checkpoint folder, under its own name. */
  outDir: string;
  fileName: string;
  epochs: number;
  seed: number;
}

/**
 * Where samples come from: z ~ N(0, I) (with each class's one-hot for the CVAE), the model's own prior over z (the
 * VampPrior: its `samplePrior`), or a VQ-VAE's learned prior.
 */
export type SampleSource =
  | { kind: 'gaussian' | 'vamp'; latentSize: number }
  /**
   * The CVAE: the same z decoded with each class's one-hot (label values of the data set; a run on chosen classes
   * has them at their places in its `dataset.classes`).
   */
  | { kind: 'conditional'; latentSize: number; classes: number[] }
  | { kind: 'prior'; prior: { path: string; sha256: string }; temperature: number };

/** Decodes `n` samples (per class for the CVAE) of a run's model rebuilt at a checkpoint, as PNGs. */
export interface SampleRequest {
  type: 'sample';
  config: RunConfig;
  checkpoint: ResumePoint;
  datasets: DatasetLocations;
  n: number;
  seed: number;
  source: SampleSource;
}

export interface PriorEpoch {
  epoch: number;
  epochs: number;
  trainNllBits: number;
  testNllBits: number;
  seconds: number;
}

export type PriorMessage =
  | ({ type: 'priorEpoch' } & PriorEpoch)
  | {
      type: 'priorTrained';
      /** nll_bits (test), train_nll_bits, unigram_bits, position_unigram_bits, uniform_bits: bits per code position. */
      figures: Record<string, number>;
      curve: PriorEpoch[];
      /** The architecture, the training settings and the data it saw. */
      settings: Record<string, unknown>;
      checkpoint: CheckpointRecord;
      /** Decoded prior samples above decoded uniform-code samples. */
      samples: NewArtifact;
    }
  | {
      type: 'sampled';
      /** One PNG per sample, in order (class by class for the CVAE). */
      pngs: Uint8Array[];
      labels: (number | null)[];
      width: number;
      height: number;
      channels: number;
      /** Drawn from the model's own prior (an AAE's mixture) where z ~ N(0, I) was asked for. */
      ownPrior?: boolean;
    };

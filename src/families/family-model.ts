import type { TrainingConfig } from '../shared/config';
import type { LayerVariable, Scalar, Tensor } from '../core/training/tf';

export interface BuildContext<M> {
  model: M;
  training: TrainingConfig;
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  /** Seed for this model's initializers, derived from the run's seed. */
  seed: number;
}

export interface LayerSummary {
  name: string;
  outputShape: number[];
  params: number;
}

export interface LossResult {
  total: Scalar;
  /** Named parts of the loss, e.g. reconstruction; reported as metrics. */
  parts: Record<string, Scalar>;
}

/** A grid of images a family shows at each epoch's end (traversals, samples, interpolations). */
export interface ImageView {
  kind: string;
  caption: string;
  /** Rows of flat images with values in [0,1]. */
  rows: Float32Array[][];
}

/** Data a family plots rather than draws: a labelled scatter or a histogram. */
export type ChartView =
  | { kind: string; caption: string; chart: 'scatter'; points: { x: number; y: number; label: number }[] }
  | { kind: string; caption: string; chart: 'histogram'; bins: { from: number; to: number; count: number }[] };

export interface ViewContext {
  /** Fixed test images, flat, [n, pixels]: one of each class where labels exist. */
  panel: Tensor;
  /** More test images with their labels, for scatter plots. */
  sample: Tensor;
  sampleLabels: number[];
}

/** A built model: knows its loss and forward pass, nothing of batches, stores or IPC. */
export interface BuiltModel {
  /** x: a batch of flattened images in [0,1], shape [batch, pixels]. */
  computeLoss(x: Tensor, training: boolean): LossResult;
  reconstruct(x: Tensor): Tensor;
  trainableWeights(): LayerVariable[];
  weights(): LayerVariable[];
  summary(): LayerSummary[];
  dispose(): void;
  /** Called before each training step with the fractional epoch, for schedules such as KL warm-up. */
  onStep?(epoch: number): void;
  /** Mean and log-variance of q(z|x), for KL per dimension and active units. */
  posterior?(x: Tensor): { mu: Tensor; logVar: Tensor };
  /** The family's signature views, computed at each epoch's end. */
  views?(ctx: ViewContext): (ImageView | ChartView)[];
}

export interface FamilyModel<M> {
  build(ctx: BuildContext<M>): BuiltModel;
}

import type { TrainingConfig } from '../shared/config';
import type { ImageSplit } from '../core/datasets/dataset';
import type { Scalar, Tensor } from '../core/training/tf';

export interface BuildContext<M> {
  model: M;
  training: TrainingConfig;
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  /** Seed for this model's initializers, derived from the run's seed. */
  seed: number;
  /** Number of label classes in the data set (0 when it has no labels). */
  classes: number;
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

/** A trainable weight: a layer's kernel or bias, or a family's own variable (e.g. a codebook). */
export interface Weight {
  name: string;
  shape: (number | null)[];
  /** The value; for layer weights tfjs-layers returns the underlying tf.Variable. */
  read(): Tensor;
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
  /** Their one-hot labels, for conditional models ([n, classes]; empty when unlabelled). */
  panelLabels: Tensor;
  classes: number;
  /** More test images with their labels, for scatter plots. */
  sample: Tensor;
  sampleLabels: number[];
}

/** A built model: knows its loss and forward pass, nothing of batches, stores or IPC. */
export interface BuiltModel {
  /** x: a batch of flattened images in [0,1], shape [batch, pixels]; labels: one-hot, for conditional models. */
  computeLoss(x: Tensor, training: boolean, labels?: Tensor): LossResult;
  /** Conditional models are fed one-hot labels with every batch. */
  conditional?: boolean;
  reconstruct(x: Tensor, labels?: Tensor): Tensor;
  trainableWeights(): Weight[];
  weights(): Weight[];
  summary(): LayerSummary[];
  dispose(): void;
  /** Called before each training step with the fractional epoch, for schedules such as KL warm-up. */
  onStep?(epoch: number): void;
  /** Mean and log-variance of q(z|x) (given the label for conditional models), for KL per dimension and active units. */
  posterior?(x: Tensor, labels?: Tensor): { mu: Tensor; logVar: Tensor };
  /** Families with phases (greedy pretraining) train longer than training.epochs. */
  totalEpochs?(trainingEpochs: number): number;
  /** An experiment after training (e.g. a classifier on few labels); its figures become test metrics. */
  afterTraining?(data: { train: ImageSplit; test: ImageSplit }): Promise<Record<string, number>>;
  /** The family's signature views, computed at each epoch's end. */
  views?(ctx: ViewContext): (ImageView | ChartView)[];
  /** Decoder swap (the deepfake): encodes x and decodes it as identity `to` (0 = A, 1 = B). */
  swap?(x: Tensor, to: number): Tensor;
}

export interface FamilyModel<M> {
  build(ctx: BuildContext<M>): BuiltModel;
}

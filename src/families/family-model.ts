import type { TrainingConfig } from '../shared/config';
import type { ImageSplit } from '../ml/dataset';
import type { Reads } from '../ml/read';
import type { LayersModel, Scalar, Tensor } from '../ml/tf';

export interface BuildContext<M> {
  model: M;
  training: TrainingConfig;
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  /** Seed for this model's initializers, derived from the run's seed. */
  seed: number;
  /** Number of label classes in the data set (0 when it has no labels). */
  classes: number;
  /** Images in the training split (what a minibatch estimate of q(z) weighs its batch by); absent outside training. */
  trainCount?: number;
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
  | {
      kind: string;
      caption: string;
      chart: 'scatter';
      points: { x: number; y: number; label: number }[];
      /** The axes' titles, where they are not the code's z₁ and z₂ (principal components, say). */
      axes?: [string, string];
    }
  | {
      kind: string;
      caption: string;
      chart: 'histogram';
      bins: { from: number; to: number; count: number }[];
      /** What the bins count along (the x axis's title): "|code activation|", "code index". */
      axis?: string;
    };

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

/** Training-health advice a family finds in its own figures (e.g. posterior collapse); the run goes on. */
export interface HealthWarning {
  /** What happened, e.g. 'posterior collapse': warned once per run, with the epoch it was first seen. */
  name: string;
  detail: string;
}

/** Figures over the test split gathered batch by batch, for those that are not means of a per-batch scalar. */
export interface TestMetrics {
  /**
   * One test batch: x flat in [0,1]; labels one-hot, for conditional models. Called inside tf.tidy: the figures are
   * asked of `reads` (read back together after the batch, asynchronously: WebGPU has no synchronous read).
   */
  batch(x: Tensor, labels: Tensor | undefined, reads: Reads): void;
  /** The figures over the `count` images seen, and a health warning when they show one. */
  result(count: number): { metrics: Record<string, number>; warning?: HealthWarning };
}

/** What a family's end-of-epoch scores see besides the model. */
export interface EpochContext {
  /** The run's test split and the pixels of one of its images. */
  test: ImageSplit;
  pixels: number;
  /** The run trains on a twin pair of sets: image i of the first and image i of the second share every factor. */
  twinSets: boolean;
}

/** A code that is a grid of indices into a codebook of K vectors (the VQ-VAE's), raster order. */
export interface CodeGrid {
  /** K, the codebook's size. */
  codebookSize: number;
  /** [height, width] of the grid; height × width positions per image. */
  grid: [number, number];
  /**
   * Codebooks that take turns along each row (column j uses codebook j mod codebooks), where index c means another
   * vector in each: an RQ-VAE's depths without a shared codebook. 1 (or absent): one codebook for every position.
   */
  codebooks?: number;
  /** The code indices of images x (flat, [batch, pixels]), int32 [batch, positions]. */
  indices(x: Tensor): Tensor;
  /** Images (flat, [batch, pixels]) decoded from int32 code indices [batch, positions]. */
  decodeIndices(indices: Tensor): Tensor;
}

/** A built model: knows its loss and forward pass, nothing of batches, stores or IPC. */
export interface BuiltModel {
  /** x: a batch of flattened images in [0,1], shape [batch, pixels]; labels: one-hot, for conditional models. */
  computeLoss(x: Tensor, training: boolean, labels?: Tensor): LossResult;
  /** Conditional models are fed one-hot labels with every batch. */
  conditional?: boolean;
  reconstruct(x: Tensor, labels?: Tensor): Tensor;
  /** The code of x, [batch, latent] (the posterior mean for a VAE); labels for conditional models. */
  encode?(x: Tensor, labels?: Tensor): Tensor;
  /**
   * For a clustering model once its clusters exist (DEC after its pretraining): each code's cluster, [batch] as floats
   * (argmax of its soft assignment); null before. The projector colours by it and `export --latents` writes it.
   */
  clusterOf?(): ((codes: Tensor) => Tensor) | null;
  /** Images from codes, flat [batch, pixels]: decode(encode(x)) is reconstruct(x). */
  decode?(z: Tensor, labels?: Tensor): Tensor;
  /** For a discrete code (the VQ-VAE's): its grid of indices into a codebook, what a learned prior models. */
  codeGrid?: CodeGrid;
  /** n draws of z from the model's prior when it is not N(0, I) (the VampPrior, a mixture), [n, latent]; seeded. */
  samplePrior?(n: number, seed: number): Tensor;
  /**
   * For families that define a density: log w_k = log p(x|z_k) + log p(z_k) − log q(z_k|x) for `samples` draws
   * z_k ~ q(z|x) (seeded), [batch, samples], what the importance-weighted estimate of log p(x) averages
   * (Burda et al. 2016); `likelihood` names the decoder's p(x|z) it assumed.
   */
  logImportanceWeights?(x: Tensor, samples: number, seed: number, labels?: Tensor): { logWeights: Tensor; likelihood: string };
  trainableWeights(): Weight[];
  weights(): Weight[];
  summary(): LayerSummary[];
  dispose(): void;
  /**
   * The family's own state beyond its weights (noise streams, counters), for checkpoints: `restore` sets
   * it back, so that a resumed run continues bit for bit. Plain JSON.
   */
  state?(): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The parts as plain tfjs layers models (encoder, decoder, ...), for export: loadable by tf.loadLayersModel. */
  layersModels?(): Record<string, LayersModel>;
  /**
   * What an export writes beside the layers models as NumPy arrays, `<name>.npy` (a VQ-VAE's codebook: the code
   * between encoder and decoder is the nearest of its rows). The model's own tensors: the caller does not dispose them.
   */
  exportArrays?(): Record<string, Tensor>;
  /**
   * What each exported part or array is, in words, by its name (`encoder`, `codebook`): how to read its output and
   * what goes between the parts. An export writes them into its `export.json`.
   */
  exportNotes?(): Record<string, string>;
  restore?(state: Record<string, unknown>): void;
  /** Called before each training step with the fractional epoch, for schedules such as KL warm-up. */
  onStep?(epoch: number): void;
  /**
   * A second update in the same training step, after the optimizer's (inside its tidy): a family's own adversary,
   * e.g. FactorVAE's discriminator, with its own optimizer whose state is in `weights()` and `state()`.
   */
  afterStep?(x: Tensor, labels?: Tensor): void;
  /**
   * Called before each training epoch (counted from 1, as in progress; the first one after a resume too) with the
   * run's splits, for a phase change that needs the data (e.g. centres placed by k-means on the training codes).
   * What it sets that is not a weight comes back through `state()`/`restore()`, so that a resumed run continues
   * as the uninterrupted one would.
   */
  beforeEpoch?(epoch: number, data: { train: ImageSplit; test: ImageSplit }): void | Promise<void>;
  /**
   * Called as each evaluation of a split starts (the test split, the validation split): a fresh accumulator for
   * figures beyond the means of the loss parts (e.g. KL per latent dimension and active units), stored as test
   * metrics; or none, where the family only starts its pass afresh (the denoising AE's test noise).
   */
  testMetrics?(): TestMetrics | undefined;
  /** Families with phases (greedy pretraining) train longer than training.epochs. */
  totalEpochs?(trainingEpochs: number): number;
  /** An experiment after training (e.g. a classifier on few labels); its figures become test metrics. */
  afterTraining?(data: { train: ImageSplit; test: ImageSplit }): Promise<Record<string, number>>;
  /** The family's signature views, computed at each epoch's end. */
  views?(ctx: ViewContext): Promise<(ImageView | ChartView)[]>;
  /** Scores computed at each epoch's end from the whole test split (e.g. the deepfake's swap error); stored as test metrics. */
  epochMetrics?(ctx: EpochContext): Promise<Record<string, number>>;
}

export interface FamilyModel<M> {
  build(ctx: BuildContext<M>): BuiltModel;
}

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

/** A built model: knows its loss and forward pass, nothing of batches, stores or IPC. */
export interface BuiltModel {
  /** x: a batch of flattened images in [0,1], shape [batch, pixels]. */
  computeLoss(x: Tensor, training: boolean): LossResult;
  reconstruct(x: Tensor): Tensor;
  trainableWeights(): LayerVariable[];
  weights(): LayerVariable[];
  summary(): LayerSummary[];
  dispose(): void;
}

export interface FamilyModel<M> {
  build(ctx: BuildContext<M>): BuiltModel;
}

import type { RunConfig } from '../../shared/config';
import type { BuiltModel } from '../../families/family-model';
import { familyModelFor } from '../../families/models';
import { classCount, type ImageDataset } from '../../ml/dataset';
import type { TrainingState } from './checkpoint';
import { deriveSeed } from '../../shared/random';
import { tf, type Variable } from '../../ml/tf';
import type { TrainerResume } from './trainer';

/** A run's model as its config builds it on its data set: the same weights' names and order in any worker. */
export function buildModel(config: RunConfig, dataset: ImageDataset): BuiltModel {
  return familyModelFor(config).build({
    model: config.model,
    training: config.training,
    inputShape: [dataset.height, dataset.width, dataset.channels],
    seed: deriveSeed(config.training.seed, 1),
    classes: classCount(dataset),
    trainCount: dataset.train.count,
  });
}

/**
 * Sets a freshly built model to a checkpoint: every weight in order (checked by name), then the family's
 * own state; returns what the trainer needs to continue where the checkpoint was written.
 */
export function restoreFrom(model: BuiltModel, saved: TrainingState): TrainerResume {
  const weights = model.weights();
  if (weights.length !== saved.weights.length) {
    throw new Error(`the checkpoint holds ${saved.weights.length} weights, the model ${weights.length}: it is not this model's`);
  }
  weights.forEach((w, i) => {
    const s = saved.weights[i] as TrainingState['weights'][number];
    if (s.name !== w.name)
      throw new Error(`the checkpoint's weight ${i} is ${s.name}, the model's ${w.name}: it is not this model's`);
    (w.read() as Variable).assign(tf.tensor(s.values, s.shape));
  });
  model.restore?.(saved.family);
  return { epoch: saved.epoch, step: saved.step, optimizer: saved.optimizer, trainer: saved.trainer };
}

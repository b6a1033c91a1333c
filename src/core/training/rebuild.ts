import type { RunConfig } from '../../shared/config';
import type { Environment } from '../../shared/runs';
import type { BuiltModel } from '../../families/family-model';
import { familyModelFor } from '../../families/models';
import { classCount, type ImageDataset } from '../../ml/dataset';
import type { TrainingState } from './checkpoint';
import { deriveSeed } from '../../shared/random';
import { tf, type Variable } from '../../ml/tf';
import type { TrainerResume } from './trainer';

/** What a model is built for: its images' shape, the label values it takes, the training images it saw. */
export type ModelInput = NonNullable<Environment['modelInput']>;

/** The model input a run on `dataset` has. */
export const modelInputOf = (dataset: ImageDataset): ModelInput => ({
  height: dataset.height,
  width: dataset.width,
  channels: dataset.channels,
  classes: classCount(dataset),
  trainCount: dataset.train.count,
});

/** A run's model as its config builds it on its data set: the same weights' names and order in any worker. */
export function buildModel(config: RunConfig, dataset: ImageDataset | ModelInput): BuiltModel {
  const input = 'train' in dataset ? modelInputOf(dataset) : dataset;
  return familyModelFor(config).build({
    model: config.model,
    training: config.training,
    inputShape: [input.height, input.width, input.channels],
    seed: deriveSeed(config.training.seed, 1),
    classes: input.classes,
    trainCount: input.trainCount,
  });
}

/**
 * A weight's name without the suffix tfjs adds where the process already holds a variable of that name
 * (`encoder_0_dense/kernel_1`): a model built after another in one process has the same weights under new names.
 */
const unnumbered = (name: string) => name.replace(/_\d+$/, '');

/**
 * Sets a freshly built model to a checkpoint: every weight in order (checked by name, up to tfjs's numbering, and by
 * shape), then the family's own state; returns what the trainer needs to continue where the checkpoint was written,
 * its optimizer's slots named after this model's variables (Adam keeps them by variable name, which tfjs numbers per
 * process: `codebook` where the checkpoint was written may be `codebook_1` here).
 */
export function restoreFrom(model: BuiltModel, saved: TrainingState): TrainerResume {
  const weights = model.weights();
  if (weights.length !== saved.weights.length) {
    throw new Error(`the checkpoint holds ${saved.weights.length} weights, the model ${weights.length}: it is not this model's`);
  }
  weights.forEach((w, i) => {
    const s = saved.weights[i] as TrainingState['weights'][number];
    const variable = w.read() as Variable;
    if (unnumbered(s.name) !== unnumbered(w.name) || s.shape.join() !== variable.shape.join())
      throw new Error(
        `the checkpoint's weight ${i} is ${s.name} [${s.shape.join(', ')}], the model's ${w.name} [${variable.shape.join(', ')}]: it is not this model's`,
      );
    // In a tidy: the variable keeps the values, the tensor made to carry them is freed (a second copy of the model).
    tf.tidy(() => variable.assign(tf.tensor(s.values, s.shape)));
  });
  model.restore?.(saved.family);
  // A slot is `<variable>/<part>` (Adam's m, v and t; RMSProp's rms and momentum, which it keeps by position).
  const names = new Set(weights.map((w) => (w.read() as Variable).name));
  const byBase = new Map([...names].map((name) => [unnumbered(name), name]));
  const slot = (name: string) => {
    const cut = name.lastIndexOf('/');
    const variable = name.slice(0, cut);
    const here = names.has(variable) ? variable : byBase.get(unnumbered(variable));
    return here === undefined ? name : `${here}${name.slice(cut)}`;
  };
  return {
    epoch: saved.epoch,
    step: saved.step,
    optimizer: saved.optimizer.map((a) => ({ ...a, name: slot(a.name) })),
    trainer: saved.trainer,
  };
}

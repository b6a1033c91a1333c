import { beforeAll, describe, expect, it } from 'vitest';
import { familyModels } from '../../families/models';
import { defaultRunConfig } from '../../families/run-config';
import { selectBackend } from '../../ml/backend';
import { tf } from '../../ml/tf';
import type { TrainingState } from './checkpoint';
import { restoreFrom } from './rebuild';

const build = () => {
  const config = defaultRunConfig('autoencoder');
  return familyModels.autoencoder.build({
    model: config.model as never,
    training: config.training,
    inputShape: [8, 8, 1],
    seed: 3,
    classes: 0,
  });
};

/** A model's weights as a checkpoint holds them, each value its index (so that a restore is seen). */
function stateOf(model: ReturnType<typeof build>): TrainingState {
  const weights = model.weights().map((w, i) => {
    const shape = w.read().shape;
    return { name: w.name, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(i) };
  });
  const slots = weights.map((w) => ({ name: `${w.name}/m`, shape: w.shape, values: new Float32Array(w.values.length) }));
  return { epoch: 1, step: 4, weights, optimizer: slots, trainer: {}, family: {} };
}

describe("restoring a checkpoint into a model built from the run's config", () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('takes the same weights under the names tfjs numbered in this process, and names the slots after them', () => {
    const first = build();
    const saved = stateOf(first);
    const second = build();
    // Built second in this process: its weights are numbered (kernel_1), the checkpoint's are not.
    expect(second.weights()[0]?.name).not.toBe(saved.weights[0]?.name);
    const resume = restoreFrom(second, saved);
    expect(second.weights().map((w) => w.read().dataSync()[0])).toEqual(saved.weights.map((_, i) => i));
    expect(resume.optimizer.map((s) => s.name)).toEqual(second.weights().map((w) => `${w.name}/m`));
    first.dispose();
    second.dispose();
  });

  it('keeps no second copy of the weights: what it made to carry the values is freed', () => {
    const before = tf.memory().numTensors;
    const model = build();
    restoreFrom(model, stateOf(model));
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses another model's checkpoint, naming the weight that differs or the counts", () => {
    const model = build();
    const saved = stateOf(model);
    const swapped = { ...saved, weights: [saved.weights[1]!, saved.weights[0]!, ...saved.weights.slice(2)] };
    expect(() => restoreFrom(model, swapped)).toThrow(
      /^the checkpoint's weight 0 is .*\/bias.*, the model's .*\/kernel.*: it is not this model's$/,
    );
    expect(() => restoreFrom(model, { ...saved, weights: saved.weights.slice(1) })).toThrow(
      `the checkpoint holds ${saved.weights.length - 1} weights, the model ${saved.weights.length}: it is not this model's`,
    );
    model.dispose();
  });
});

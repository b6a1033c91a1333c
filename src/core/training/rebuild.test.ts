import { beforeAll, describe, expect, it } from 'vitest';
import { familyModels } from '../../families/models';
import { defaultRunConfig } from '../../families/run-config';
import { selectBackend } from '../../ml/backend';
import { tf, type Variable } from '../../ml/tf';
import type { TrainingState } from './checkpoint';
import { restoreFrom } from './rebuild';

const build = (family: 'autoencoder' | 'vq-vae' = 'autoencoder') => {
  const config = defaultRunConfig(family);
  return familyModels[family].build({
    model: config.model as never,
    training: config.training,
    inputShape: [8, 8, 1],
    seed: 3,
    classes: 0,
  });
};
/** The variable a weight reads: Adam keeps its slots by this name. */
const variableName = (w: { read(): unknown }) => (w.read() as Variable).name;

/** A model's weights as a checkpoint holds them, each value its index (so that a restore is seen). */
function stateOf(model: ReturnType<typeof build>): TrainingState {
  const weights = model.weights().map((w, i) => {
    const shape = w.read().shape;
    return { name: w.name, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(i) };
  });
  const slots = model.weights().map((w, i) => ({
    name: `${variableName(w)}/m`,
    shape: weights[i]!.shape,
    values: new Float32Array(weights[i]!.values.length),
  }));
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
    expect(resume.optimizer.map((s) => s.name)).toEqual(second.weights().map((w) => `${variableName(w)}/m`));
    first.dispose();
    second.dispose();
  });

  it("names the slots after the variables of weights a family names plainly (a VQ-VAE's codebook is `codebook_1` here)", async () => {
    const first = build('vq-vae');
    const saved = { ...stateOf(first), family: (await first.state?.()) ?? {} };
    const second = build('vq-vae');
    const codebook = second.weights().find((w) => w.name === 'codebook')!;
    expect(variableName(codebook)).not.toBe('codebook');
    const resume = restoreFrom(second, saved);
    expect(resume.optimizer.map((s) => s.name)).toEqual(second.weights().map((w) => `${variableName(w)}/m`));
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
    const reshaped = {
      ...saved,
      weights: [{ ...saved.weights[0]!, shape: [1, saved.weights[0]!.values.length] }, ...saved.weights.slice(1)],
    };
    expect(() => restoreFrom(model, reshaped)).toThrow(
      /^the checkpoint's weight 0 is .*kernel.* \[1, \d+\], the model's .*kernel.* \[\d+, \d+\]: it is not this model's$/,
    );
    expect(() => restoreFrom(model, { ...saved, weights: saved.weights.slice(1) })).toThrow(
      `the checkpoint holds ${saved.weights.length - 1} weights, the model ${saved.weights.length}: it is not this model's`,
    );
    model.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf, type Tensor } from '../../ml/tf';
import { defaultRunConfig } from '../run-config';
import { buildArchitecture } from '../architecture';
import { penalisedLayers, sparseAeFamily } from './model';
import type { SparseAeModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

const training = { loss: 'mse', batchSize: 4, epochs: 1, learningRate: 0.001, optimizer: 'adam', seed: 1 } as const;

describe("the sparse AE's L1 penalty (seed 003: λ Σ |a⁽ʰ⁾| over the penalised layers)", () => {
  it('with penaliseHidden, reads the hidden units and the code: not the image, not its reshape', async () => {
    const model = { ...(defaultRunConfig('sparse-ae').model as SparseAeModel), penaliseHidden: true };
    const built = sparseAeFamily.build({ model, training, inputShape: [28, 28, 1], seed: 1, classes: 0 });
    const x = tf.randomUniform([4, 784], 0, 1, 'float32', 1);
    const l1 = (await built.computeLoss(x, false).parts['l1']!.data())[0]!;
    // The same by hand: mean |hidden| + mean |code|, the layers' outputs one by one.
    const { encoder } = buildArchitecture([28, 28, 1], model, model.outputActivation, 1, {
      codeActivation: model.codeActivation,
    });
    expect(encoder.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Reshape', 'Flatten', 'Dense', 'Dense']);
    let h: Tensor = x;
    const outputs = encoder.layers.slice(1).map((l) => (h = l.apply(h) as Tensor));
    const hidden = tf.mean(tf.abs(outputs[2]!)).dataSync()[0]!;
    const code = tf.mean(tf.abs(outputs[3]!)).dataSync()[0]!;
    expect(l1).toBeCloseTo(hidden + code, 5);
    expect(l1).toBeLessThan(tf.mean(tf.abs(x)).dataSync()[0]! + hidden + code);
  });

  it('reads a conv layer’s activation where it is a layer of its own (LeakyReLU), and the code', () => {
    const model: SparseAeModel = {
      ...(defaultRunConfig('sparse-ae').model as SparseAeModel),
      encoder: [
        { type: 'conv', filters: 4, kernel: 3, stride: 2, activation: 'leakyRelu' },
        { type: 'conv', filters: 4, kernel: 3, stride: 2, activation: 'relu' },
      ],
    };
    const { encoder } = buildArchitecture([28, 28, 1], model, model.outputActivation, 1, {
      codeActivation: model.codeActivation,
    });
    const classes = encoder.layers.slice(1).map((l) => l.getClassName());
    const flagged = penalisedLayers(encoder).flatMap((on, i) => (on ? [classes[i]] : []));
    expect(flagged).toEqual(['LeakyReLU', 'Conv2D', 'Dense']);
  });
});

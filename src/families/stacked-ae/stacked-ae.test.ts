import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../core/training/trainer';
import { selectBackend } from '../../ml/backend';
import { memorySplit, type ImageDataset } from '../../ml/dataset';
import type { TrainingConfig } from '../../shared/config';
import { stackedAeFamily } from './model';
import { stackedAeSpec, type StackedAeModel } from './spec';
import { tf, type Tensor } from '../../ml/tf';

const ignore = { progress: () => undefined, metrics: () => undefined, warn: () => undefined };

/** 8×8 images of seeded noise. */
function noise(count: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: count * 64 }, () => Math.floor(((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 256));
}

const labels = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 2);

const dataset: ImageDataset = {
  name: 'noise',
  height: 8,
  width: 8,
  channels: 1,
  train: memorySplit(noise(64, 1), 64, labels(64)),
  test: memorySplit(noise(16, 2), 64, labels(16)),
  labelNames: null,
  hash: 'x',
};
/** Two layers, each pretrained for two epochs: epochs 1–4 pretrain, the configured ones fine-tune. */
const model: StackedAeModel = {
  widths: [16, 4],
  activation: 'sigmoid',
  outputActivation: 'sigmoid',
  pretrainEpochs: 2,
  labelsPerClass: 1,
  classifierEpochs: 1,
};

const adam: TrainingConfig = { loss: 'mse', batchSize: 16, epochs: 1, learningRate: 0.01, optimizer: 'adam', seed: 3 };

describe('greedy layer-wise pretraining of a stacked autoencoder', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('leaves the layers below the one it trains as they were: no momentum, no weight decay moves them', async () => {
    // Adam with decoupled weight decay and clipping: every path of the step that could touch a frozen layer.
    const training: TrainingConfig = { ...adam, epochs: 1, weightDecay: 0.1, clipNorm: 1 };
    const built = stackedAeFamily.build({ model, training, inputShape: [8, 8, 1], seed: 5, classes: 2 });
    // Weights by layer after each epoch: enc 0, enc 1, dec 0, dec 1 (kernel and bias each).
    const byLayer = () => {
      const values = built.weights().map((w) => Array.from(w.read().dataSync()));
      return [0, 1, 2, 3].map((l) => [...(values[2 * l] ?? []), ...(values[2 * l + 1] ?? [])]);
    };
    const epochs: number[][][] = [byLayer()];
    await train({
      model: built,
      dataset,
      training,
      shuffleSeed: 7,
      callbacks: { ...ignore, epochEnd: async () => void epochs.push(byLayer()) },
    });
    expect(epochs).toHaveLength(2 * 2 + 1 + 1);
    const [enc0, enc1, dec0, dec1] = [0, 1, 2, 3];
    const moved = (layer: number, from: number, to: number) => epochs[from]![layer]!.some((v, i) => v !== epochs[to]![layer]![i]);
    // Phase 0 (epochs 1–2) trains AE 0 alone; AE 1 is not yet used.
    expect([enc0, dec0].map((l) => moved(l, 0, 2))).toEqual([true, true]);
    expect([enc1, dec1].map((l) => moved(l, 0, 2))).toEqual([false, false]);
    // Phase 1 (epochs 3–4) trains AE 1 on the codes of the frozen encoder 0; the first epoch of it too, when
    // encoder 0's momentum from phase 0 was largest.
    expect([enc1, dec1].map((l) => moved(l, 2, 4))).toEqual([true, true]);
    expect([enc0, dec0].map((l) => moved(l, 2, 3))).toEqual([false, false]);
    expect([enc0, dec0].map((l) => moved(l, 2, 4))).toEqual([false, false]);
    // Fine-tuning (epoch 5) trains the whole stack.
    expect([enc0, enc1, dec0, dec1].map((l) => moved(l, 4, 5))).toEqual([true, true, true, true]);
    // The phases the run's loss chart marks are where the layers that train change: after epochs 2 and 4.
    const trains = (e: number) => [enc0, enc1, dec0, dec1].filter((l) => moved(l, e - 1, e)).join();
    const changes = [1, 2, 3, 4].filter((e) => trains(e) !== trains(e + 1));
    expect(stackedAeSpec.phases(model).map((p) => p.epoch)).toEqual(changes);
    expect(stackedAeSpec.phases(model).map((p) => p.label)).toEqual(['layer 2', 'fine-tuning']);
    built.dispose();
  });

  it('stops early on the fine-tuning epochs alone: pretraining measures each layer’s own loss', async () => {
    // No epoch improves on the one before by 100: the rule stops a run at its second epoch under it.
    const training: TrainingConfig = {
      ...adam,
      epochs: 3,
      earlyStopping: { metric: 'loss', mode: 'min', patience: 1, minDelta: 100 },
    };
    const built = stackedAeFamily.build({ model, training, inputShape: [8, 8, 1], seed: 5, classes: 2 });
    const ended: [number, boolean][] = [];
    const result = await train({
      model: built,
      dataset,
      training,
      shuffleSeed: 7,
      callbacks: { ...ignore, epochEnd: async (epoch, _step, _state, last) => void ended.push([epoch, last]) },
    });
    expect(result.stoppedEarly).toMatchObject({ epoch: 6, bestEpoch: 5 });
    expect(ended).toEqual([1, 2, 3, 4, 5, 6].map((e) => [e, e === 6]));
    built.dispose();
  });

  it('reports the phase’s own loss on the test split too, and the whole stack’s reconstruction beside it', async () => {
    const built = stackedAeFamily.build({ model, training: adam, inputShape: [8, 8, 1], seed: 5, classes: 2 });
    const x = tf.tensor2d(
      Array.from(noise(16, 2), (v) => v / 255),
      [16, 64],
    );
    const read = async (t: Tensor | undefined) => (t ? (await t.data())[0] : undefined);
    for (const step of [0, 2, 4]) {
      // Epoch 0–1: layer 1 alone; 2–3: layer 2 on layer 1's codes; 4: fine-tuning, the whole stack.
      built.onStep?.(step);
      const trainLoss = built.computeLoss(x, true);
      const testLoss = built.computeLoss(x, false);
      const whole = tf.mean(tf.squaredDifference(x, built.reconstruct(x)));
      expect(await read(testLoss.total)).toBeCloseTo((await read(trainLoss.total)) as number, 6);
      expect(await read(testLoss.parts['reconstruction'])).toBeCloseTo((await read(whole)) as number, 6);
      if (step === 2) expect(await read(testLoss.total)).not.toBeCloseTo((await read(whole)) as number, 3);
      tf.dispose([trainLoss.total, testLoss.total, ...Object.values(testLoss.parts), whole]);
    }
    x.dispose();
    built.dispose();
  });
});

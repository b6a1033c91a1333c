import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../core/training/trainer';
import { selectBackend } from '../../ml/backend';
import { memorySplit } from '../../ml/dataset';
import { tf } from '../../ml/tf';
import { defaultRunConfig } from '../run-config';
import { fsqFamily } from './model';
import type { FsqModel } from './spec';

beforeAll(async () => {
  await selectBackend('wasm');
});

const ignore = { progress: () => undefined, metrics: () => undefined, warn: () => undefined, epochEnd: async () => undefined };

describe('FSQ’s standardisation of the code (a batch norm without scale or shift)', () => {
  it('moves its running moments in training only, checkpointed under their names, and codes with them at test', async () => {
    const config = defaultRunConfig('fsq');
    const model: FsqModel = {
      ...(config.model as FsqModel),
      encoder: [{ type: 'dense', units: 16, activation: 'relu' }],
      decoder: [{ type: 'dense', units: 16, activation: 'relu' }],
      positions: 2,
      levels: [5, 3],
    };
    const training = { ...config.training, epochs: 1, batchSize: 8 };
    const fsq = fsqFamily.build({ model, training, inputShape: [4, 4, 1], seed: 2, classes: 0 });
    const running = () =>
      fsq
        .weights()
        .filter((w) => w.name.startsWith('fsq_running_'))
        .map((w) => [w.name, Array.from(w.read().dataSync())] as const);
    expect(running()).toEqual([
      ['fsq_running_mean', [0, 0]],
      ['fsq_running_var', [1, 1]],
    ]);
    const x = tf.randomUniform([8, 16], 0, 1, 'float32', 3);
    const codes = () => tf.tidy(() => Array.from(fsq.encode!(x).dataSync()));
    const atTest = codes();
    tf.tidy(() => fsq.computeLoss(x, false).total);
    expect(running().map(([, v]) => v)).toEqual([
      [0, 0],
      [1, 1],
    ]);
    // An epoch of training steps, backward passes included (an affine-free batch norm once broke tfjs's gradient).
    const images = Uint8Array.from({ length: 32 * 16 }, (_, i) => (i * 37) % 256);
    const split = memorySplit(images, 16, null);
    const dataset = { name: 'x', height: 4, width: 4, channels: 1, train: split, test: split, labelNames: null, hash: 'x' };
    await train({ model: fsq, dataset, training, shuffleSeed: 1, callbacks: ignore });
    const [mean, variance] = running().map(([, v]) => v);
    expect(mean!.some((v) => v !== 0)).toBe(true);
    expect(variance!.some((v) => v !== 1)).toBe(true);
    // Inference codes with the moved moments.
    expect(codes()).not.toEqual(atTest);
    fsq.dispose();
    x.dispose();
  });
});

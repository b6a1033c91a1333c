import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../../core/training/trainer';
import { selectBackend } from '../../ml/backend';
import { memorySplit } from '../../ml/dataset';
import { mmd } from '../../ml/mmd';
import { tf } from '../../ml/tf';
import { createRng } from '../../shared/random';
import type { TrainingConfig } from '../../shared/config';
import { defaultRunConfig } from '../run-config';
import { waeMmdFamily } from './model';
import type { WaeMmdModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('WAE-MMD on a training set one image past a whole number of batches', () => {
  it('trains through the last batch of one (the MMD of one code is 0, not NaN)', async () => {
    expect(mmd(tf.ones([1, 4]), tf.zeros([1, 4]), 'imq').dataSync()[0]).toBe(0);
    const rng = createRng(3);
    const images = Uint8Array.from({ length: 17 * 64 }, () => Math.floor(rng() * 256));
    const dataset = {
      name: 'noise',
      height: 8,
      width: 8,
      channels: 1,
      train: memorySplit(images, 64, null),
      test: memorySplit(images.slice(0, 8 * 64), 64, null),
      labelNames: null,
      hash: 'x',
    };
    const training: TrainingConfig = { loss: 'mse', batchSize: 16, epochs: 2, learningRate: 0.001, optimizer: 'adam', seed: 1 };
    const config = defaultRunConfig('wae-mmd');
    const model = waeMmdFamily.build({
      model: config.model as WaeMmdModel,
      training,
      inputShape: [8, 8, 1],
      seed: 1,
      classes: 0,
    });
    const losses: number[] = [];
    await train({
      model,
      dataset,
      training,
      shuffleSeed: 1,
      callbacks: {
        progress: () => undefined,
        metrics: (points) => losses.push(...points.filter((p) => p.split === 'train' && p.name === 'loss').map((p) => p.value)),
        warn: () => undefined,
        epochEnd: async () => undefined,
      },
    });
    model.dispose();
    expect(losses).toHaveLength(2);
    expect(losses.every(Number.isFinite)).toBe(true);
  });
});

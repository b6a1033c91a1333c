import { describe, expect, it } from 'vitest';
import { evaluate } from '../../core/training/trainer';
import { memorySplit } from '../../ml/dataset';
import { selectBackend } from '../../ml/backend';
import { buildDefaultModel } from '../default-model.testing';

describe('the denoising AE’s evaluation', () => {
  it('corrupts the test images alike at every pass: the same model scores the same, and a new seed differently', async () => {
    await selectBackend('cpu');
    const images = Uint8Array.from({ length: 600 * 784 }, (_, i) => (i * 7919) % 256);
    // Three batches of 256 at most: the pass draws a seed per batch.
    const split = memorySplit(images, 784, null);
    const model = buildDefaultModel('denoising-ae', 3);
    const first = (await evaluate(model, split, 784, 10)).metrics;
    const second = (await evaluate(model, split, 784, 10)).metrics;
    expect(second).toEqual(first);
    // The noisy inputs are what changes with the run's seed: their MSE against the clean images.
    const other = (await evaluate(buildDefaultModel('denoising-ae', 4), split, 784, 10)).metrics;
    expect(other['noisy_mse']).not.toBe(first['noisy_mse']);
    expect(first['noisy_mse']).toBeGreaterThan(0);
  });
});

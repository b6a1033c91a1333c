import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { memorySplit } from '../../ml/dataset';
import { evaluate } from '../../core/training/trainer';
import { defaultRunConfig } from '../run-config';
import { familyModels } from '../models';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe("a VAE's KL warm-up, as its test figures say it", () => {
  it('gives the β the loss weighs the KL by so far: the test loss is reconstruction + that β · KL', async () => {
    const config = defaultRunConfig('vae');
    const model = familyModels.vae.build({
      model: { ...(config.model as object), beta: 4, klWarmupEpochs: 4, latentSize: 3 } as never,
      training: config.training,
      inputShape: [28, 28, 1],
      seed: 2,
      classes: 10,
      trainCount: 100,
    });
    const images = Uint8Array.from({ length: 16 * 784 }, (_, i) => (i * 37) % 256);
    const split = memorySplit(images, 784, null);
    model.onStep?.(1.5);
    const { metrics } = await evaluate(model, split, 784, 10);
    expect(metrics['kl_weight']).toBeCloseTo(4 * (1.5 / 4), 6);
    const [loss, reconstruction, kl] = [metrics['loss']!, metrics['reconstruction']!, metrics['kl']!];
    expect(loss).toBeCloseTo(reconstruction + 1.5 * kl, 2);
    // Past its warm-up the weight is β.
    model.onStep?.(6);
    expect((await evaluate(model, split, 784, 10)).metrics['kl_weight']).toBe(4);
    model.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { inTraining } from '../../ml/mode';
import { tf } from '../../ml/tf';
import { defaultRunConfig } from '../run-config';
import { vqVaeFamily } from './model';
import type { VqVaeModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('the vq-vae codebook’s EMA update', () => {
  it('uses the step’s own forward pass: the encoder’s batch norm moves its statistics once a step, not twice', () => {
    const config = defaultRunConfig('vq-vae');
    const model: VqVaeModel = {
      ...(config.model as VqVaeModel),
      codebookUpdate: 'ema',
      encoder: [{ type: 'dense', units: 12, activation: 'relu' }, { type: 'batchNorm' }],
    };
    const build = () => vqVaeFamily.build({ model, training: config.training, inputShape: [28, 28, 1], seed: 4, classes: 0 });
    const x = tf.randomUniform([16, 784], 0, 1, 'float32', 5);
    const moving = (built: ReturnType<typeof build>) =>
      built
        .weights()
        .filter((w) => w.name.includes('moving'))
        .map((w) => Array.from(w.read().dataSync()));
    // The forward pass alone, and the forward pass with the EMA update after it, from the same start.
    const [alone, withUpdate] = [build(), build()];
    tf.tidy(() => inTraining(1, () => alone.computeLoss(x, true).total));
    tf.tidy(() =>
      inTraining(1, () => {
        const loss = withUpdate.computeLoss(x, true).total;
        withUpdate.afterStep?.(x);
        return loss;
      }),
    );
    expect(moving(alone)).toHaveLength(2);
    expect(moving(withUpdate)).toEqual(moving(alone));
    const codebook = (built: ReturnType<typeof build>) =>
      Array.from(
        built
          .weights()
          .find((w) => w.name.startsWith('codebook'))!
          .read()
          .dataSync(),
      );
    expect(codebook(withUpdate)).not.toEqual(codebook(alone));
    alone.dispose();
    withUpdate.dispose();
    x.dispose();
  });
});

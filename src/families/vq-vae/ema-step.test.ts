import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { expectEmaFromTheStepsOwnPass } from '../ema-step.testing';
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
    expectEmaFromTheStepsOwnPass(() =>
      vqVaeFamily.build({ model, training: config.training, inputShape: [28, 28, 1], seed: 4, classes: 0 }),
    );
  });
});

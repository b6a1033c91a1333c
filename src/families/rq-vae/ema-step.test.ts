import { beforeAll, describe, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { expectEmaFromTheStepsOwnPass } from '../ema-step.testing';
import { defaultRunConfig } from '../run-config';
import { rqVaeFamily } from './model';
import type { RqVaeModel } from './spec';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('the rq-vae codebook’s EMA update', () => {
  it('uses the step’s own forward pass: the encoder’s batch norm moves its statistics once a step, not twice', () => {
    const config = defaultRunConfig('rq-vae');
    const model: RqVaeModel = {
      ...(config.model as RqVaeModel),
      encoder: [{ type: 'dense', units: 12, activation: 'relu' }, { type: 'batchNorm' }],
    };
    expectEmaFromTheStepsOwnPass(() =>
      rqVaeFamily.build({ model, training: config.training, inputShape: [28, 28, 1], seed: 4, classes: 0 }),
    );
  });
});

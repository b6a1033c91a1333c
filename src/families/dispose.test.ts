import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { tf } from '../ml/tf';
import { familyModels } from './models';
import { defaultRunConfig } from './run-config';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe("a family's model, built and disposed", () => {
  it.each(Object.keys(familyModels))('%s leaves no tensor behind (its starting values included)', (family) => {
    const config = defaultRunConfig(family);
    const build = () =>
      familyModels[family as keyof typeof familyModels].build({
        model: config.model as never,
        training: config.training,
        inputShape: [28, 28, 1],
        seed: 1,
        // Two for the deepfake's pair of identities; ten for the conditional VAE.
        classes: family === 'deepfake' ? 2 : 10,
        trainCount: 1000,
      });
    // Once first: tfjs caches a few constants of its own on a first use.
    build().dispose();
    const before = tf.memory().numTensors;
    build().dispose();
    expect(tf.memory().numTensors - before).toBe(0);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { tf } from '../ml/tf';
import { buildDefaultModel } from './default-model.testing';
import { familyModels } from './models';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe("a family's model, built and disposed", () => {
  it.each(Object.keys(familyModels))('%s leaves no tensor behind (its starting values included)', (family) => {
    const build = () => buildDefaultModel(family);
    // Once first: tfjs caches a few constants of its own on a first use.
    build().dispose();
    const before = tf.memory().numTensors;
    build().dispose();
    expect(tf.memory().numTensors - before).toBe(0);
  });
});

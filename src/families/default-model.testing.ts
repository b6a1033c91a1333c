import { memorySplit, type ImageDataset } from '../ml/dataset';
import type { BuiltModel } from './family-model';
import { familyModels } from './models';
import { defaultRunConfig } from './run-config';

/**
 * A family's default model built on 28×28 grayscale images, as its tests build it: two classes for the deepfake's
 * pair of identities, ten (MNIST's digits) for the others.
 */
export function buildDefaultModel(family: string, seed = 1, trainCount = 1000): BuiltModel {
  const config = defaultRunConfig(family);
  return familyModels[family as keyof typeof familyModels].build({
    model: config.model as never,
    training: config.training,
    inputShape: [28, 28, 1],
    seed,
    classes: family === 'deepfake' ? 2 : 10,
    trainCount,
  });
}

/** Seeded noise images, 28×28, with labels cycling through `classes`. */
function noiseSplit(count: number, seed: number, classes: number) {
  let s = seed;
  const images = Uint8Array.from({ length: count * 784 }, () =>
    Math.floor(((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 256),
  );
  return memorySplit(
    images,
    784,
    Uint8Array.from({ length: count }, (_, i) => i % classes),
  );
}

/** A data set of seeded noise, 28×28 like MNIST, for a family's tests: the deepfake's two classes, ten for the others. */
export function noiseDataset(family: string, train: number, test: number): ImageDataset {
  const classes = family === 'deepfake' ? 2 : 10;
  return {
    name: 'noise',
    height: 28,
    width: 28,
    channels: 1,
    train: noiseSplit(train, 1, classes),
    test: noiseSplit(test, 2, classes),
    labelNames: null,
    hash: 'x',
  };
}

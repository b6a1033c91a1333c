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

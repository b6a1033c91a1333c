import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { defaultRunConfig } from './run-config';
import { modelMemory } from './memory';
import { familyModels } from './models';
import { familySpecs } from './specs';

describe('the composer’s parameter count', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  // The CVAE's label joins its encoder's input and its decoder's; a VQ-VAE keeps a codebook, DEC its centres and the
  // VampPrior VAE its pseudo-inputs beside the layers: the count a researcher reads before a run is the built model's.
  it.each(Object.keys(familySpecs))('%s: every preset counts the parameters of the model it builds', (family) => {
    const spec = familySpecs[family as keyof typeof familySpecs];
    const classes = family === 'deepfake' ? 2 : 10;
    for (const preset of spec.presets) {
      const training = defaultRunConfig(family).training;
      const need = modelMemory(spec, preset.model, { image: [28, 28, 1], classes, training });
      const built = familyModels[family as keyof typeof familyModels].build({
        model: preset.model as never,
        training,
        inputShape: [28, 28, 1],
        seed: 1,
        classes,
        trainCount: 1000,
      });
      const counted = built.summary().reduce((n, l) => n + l.params, 0);
      built.dispose();
      expect(need?.params, `${family} ${preset.name}`).toBe(counted);
    }
  });
});

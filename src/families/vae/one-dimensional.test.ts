import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../ml/backend';
import { tf } from '../../ml/tf';
import { familyModels } from '../models';
import { defaultRunConfig } from '../run-config';

/** The families whose views are the VAE's (traversal, prior samples, interpolation). */
const vaes = ['vae', 'cvae', 'beta-tc-vae', 'factor-vae', 'dip-vae', 'iwae', 'wae-mmd', 'aae', 'vamp-vae'];

describe('a VAE with a 1-D code', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each(vaes)('%s: draws its views, the traversal of its one dimension among them', async (family) => {
    const config = defaultRunConfig(family);
    const model = familyModels[family as keyof typeof familyModels].build({
      model: { ...config.model, latentSize: 1 } as never,
      training: config.training,
      inputShape: [28, 28, 1],
      seed: 1,
      classes: 10,
      trainCount: 64,
    });
    const pixels = tf.fill([4, 784], 0.5);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    const views =
      (await model.views?.({ panel: pixels, panelLabels: labels, classes: 10, sample: pixels, sampleLabels: [0, 1, 2, 3] })) ??
      [];
    const traversal = views.find((v) => v.kind === 'latent-traversal');
    expect(traversal && 'rows' in traversal ? traversal.rows.length : undefined).toBe(1);
    tf.dispose([pixels, labels]);
    model.dispose();
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { tf, type Tensor } from '../ml/tf';
import { defaultRunConfig } from './run-config';
import { familyModels } from './models';

const withCodes = [
  'autoencoder',
  'sparse-ae',
  'denoising-ae',
  'vae',
  'cvae',
  'vq-vae',
  'deep-clustering',
  'deepfake',
  'stacked-ae',
] as const;

describe('families with a code expose encode and decode', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each(withCodes)('%s: decode(encode(x)) is reconstruct(x), and the code has the latent width', (family) => {
    const config = defaultRunConfig(family);
    const model = familyModels[family].build({
      model: config.model as never,
      training: config.training,
      inputShape: [28, 28, 1],
      seed: 4,
      // The deepfake trains on two identities; the others on MNIST's ten digits.
      classes: family === 'deepfake' ? 2 : 10,
    });
    if (!model.encode || !model.decode) throw new Error(`${family} has no encode/decode`);
    const [viaCode, direct, width] = tf.tidy(() => {
      const x = tf.randomUniform([3, 784], 0, 1, 'float32', 1);
      const classes = family === 'deepfake' ? 2 : 10;
      const ids = family === 'deepfake' ? [1, 0, 1] : [1, 4, 7];
      const labels = model.conditional ? tf.cast(tf.oneHot(tf.tensor1d(ids, 'int32'), classes), 'float32') : undefined;
      const z = model.encode?.(x, labels) as Tensor;
      return [model.decode?.(z, labels)?.dataSync(), model.reconstruct(x, labels).dataSync(), z.shape[1]];
    });
    expect(Array.from(viaCode as Float32Array)).toEqual(Array.from(direct as Float32Array));
    expect(width).toBeGreaterThan(0);
    model.dispose();
  });
});

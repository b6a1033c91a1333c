import { describe, expect, it } from 'vitest';
import { selectBackend } from '../ml/backend';
import { tf } from '../ml/tf';
import { buildArchitecture, summarize } from './architecture';
import { inferArchitecture, kernelsToTrain, ShapeError, type Architecture } from './layers';
import { familySpecs } from './specs';

const mnist: [number, number, number] = [28, 28, 1];

describe('shape inference', () => {
  it('follows strided convs, reshapes and transposed convs back to the image', () => {
    const conv = familySpecs.autoencoder.presets.find((p) => p.name === 'conv-ae-transpose')?.model as Architecture;
    const { layers } = inferArchitecture(mnist, conv);
    expect(layers.map((l) => l.outputShape)).toEqual([
      [14, 14, 32],
      [7, 7, 64],
      [16],
      [3136],
      [7, 7, 64],
      [14, 14, 64],
      [28, 28, 32],
      [28, 28, 1],
    ]);
  });

  it('tells the code from a wider code head: a VAE of latent size 20 has a code of 20 and a head of 40', () => {
    const vae = familySpecs.vae.presets.find((p) => p.name === 'vae-784-400-20')?.model as Architecture;
    const shapes = inferArchitecture(mnist, vae, { codeUnits: 2 * vae.latentSize });
    expect(shapes.codeSize).toBe(20);
    expect(shapes.layers.find((l) => l.where === 'code')).toMatchObject({
      outputShape: [40],
      label: 'dense 40 (code head for a 20-d code)',
    });
    expect(inferArchitecture(mnist, vae).layers.find((l) => l.where === 'code')?.label).toBe('dense 20 (code)');
  });

  it('names the layer whose input does not fit', () => {
    const bad: Architecture = {
      encoder: [
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'conv', filters: 8, kernel: 3, stride: 2, activation: 'relu' },
      ],
      latentSize: 4,
      decoder: [],
    };
    expect(() => inferArchitecture(mnist, bad)).toThrow(ShapeError);
    expect(() => inferArchitecture(mnist, bad)).toThrow(/^encoder\[1\] \(conv\) needs an image-shaped input/);
    const wrongEnd: Architecture = {
      encoder: [],
      latentSize: 4,
      decoder: [
        { type: 'dense', units: 49, activation: 'relu' },
        { type: 'reshape', shape: [7, 7, 1] },
      ],
    };
    expect(() => inferArchitecture(mnist, wrongEnd)).toThrow(/decoder ends at \[7, 7, 1\]/);
  });

  it('agrees with tfjs on every preset: shapes and parameter counts', async () => {
    await selectBackend('cpu');
    for (const preset of familySpecs.autoencoder.presets) {
      const inferred = inferArchitecture(mnist, preset.model);
      const built = buildArchitecture(mnist, preset.model, 'sigmoid', 1);
      const params = summarize(built.encoder, built.decoder).reduce((n, l) => n + l.params, 0);
      expect(params, preset.name).toBe(inferred.totalParams);
      const out = built.decoder.apply(built.encoder.apply(tf.zeros([2, 784]))) as ReturnType<typeof tf.zeros>;
      expect(out.shape, preset.name).toEqual([2, 784]);
      built.encoder.dispose();
      built.decoder.dispose();
    }
  });

  it('lists the gradient kernels convolutional layers need', () => {
    expect(kernelsToTrain({ encoder: [{ type: 'dense', units: 3, activation: 'relu' }], decoder: [] })).toEqual([]);
    expect(kernelsToTrain({ encoder: [{ type: 'conv', filters: 3, kernel: 3, stride: 1, activation: 'relu' }] })).toContain(
      'Conv2DBackpropFilter',
    );
  });
});

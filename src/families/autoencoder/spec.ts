import { z } from 'zod';
import type { FamilySpec } from '../family-spec';
import { checkArchitecture, outputActivation } from '../common-spec';
import { LayerStack, type LayerSpec } from '../layers';

/** Undercomplete autoencoder: shallow or deep MLP, or convolutional, composed from layer stacks. */
export const autoencoderModel = z.strictObject({
  encoder: LayerStack.meta({
    label: 'Encoder',
    help: 'Layers from the image towards the code; a dense code layer follows.',
    widget: 'stack',
  }),
  latentSize: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .meta({ label: 'Latent size', help: 'Width of the code (the bottleneck).', step: 1 }),
  decoder: LayerStack.meta({
    label: 'Decoder',
    help: 'Layers from the code towards the image; an output layer follows.',
    widget: 'stack',
  }),
  outputActivation,
});
export type AutoencoderModel = z.infer<typeof autoencoderModel>;

const dense = (units: number, activation: 'relu' | 'tanh' = 'relu'): LayerSpec => ({ type: 'dense', units, activation });
const conv = (filters: number, stride: number): LayerSpec => ({ type: 'conv', filters, kernel: 3, stride, activation: 'relu' });
const convT = (filters: number): LayerSpec => ({ type: 'convTranspose', filters, kernel: 3, stride: 2, activation: 'relu' });

export const autoencoderSpec = {
  id: 'autoencoder',
  label: 'Autoencoder (undercomplete)',
  summary:
    'Encoder to a narrow code and decoder back to the image, trained to reconstruct its input (shallow, deep or convolutional).',
  lossUnit: 'per pixel',
  modelSchema: autoencoderModel,
  defaultModel: {
    encoder: [dense(256), dense(64)],
    latentSize: 16,
    decoder: [dense(64), dense(256)],
    outputActivation: 'sigmoid',
  },
  checkModel: checkArchitecture(),
  presets: [
    {
      name: 'deep-ae-mnist',
      description: 'Deep MLP AE 784-256-64-16, mirrored decoder, sigmoid output, MSE.',
      model: { encoder: [dense(256), dense(64)], latentSize: 16, decoder: [dense(64), dense(256)], outputActivation: 'sigmoid' },
    },
    {
      name: 'lecture-mlp-784-128-64-12-3',
      description: 'The lecture MLP 784-128-64-12-3 with ReLU and a tanh output (seed 003), MSE.',
      model: {
        encoder: [dense(128), dense(64), dense(12)],
        latentSize: 3,
        decoder: [dense(12), dense(64), dense(128)],
        outputActivation: 'tanh',
      },
    },
    {
      name: 'shallow-ae-mnist',
      description: 'Shallow AE 784-32-784: the code is the only hidden layer.',
      model: { encoder: [], latentSize: 32, decoder: [], outputActivation: 'sigmoid' },
    },
    {
      name: 'conv-ae-transpose',
      description: 'Convolutional AE: strided convs 32, 64 down to a 16-d code; transposed convs back up.',
      model: {
        encoder: [conv(32, 2), conv(64, 2)],
        latentSize: 16,
        decoder: [dense(7 * 7 * 64), { type: 'reshape', shape: [7, 7, 64] }, convT(64), convT(32)],
        outputActivation: 'sigmoid',
      },
    },
    {
      name: 'conv-ae-upsample',
      description: 'Convolutional AE whose decoder upsamples and convolves instead of transposed convolutions.',
      model: {
        encoder: [conv(32, 2), conv(64, 2)],
        latentSize: 16,
        decoder: [
          dense(7 * 7 * 64),
          { type: 'reshape', shape: [7, 7, 64] },
          { type: 'upsample', factor: 2 },
          conv(64, 1),
          { type: 'upsample', factor: 2 },
          conv(32, 1),
        ],
        outputActivation: 'sigmoid',
      },
    },
  ],
} satisfies FamilySpec<AutoencoderModel>;

import { z } from 'zod';
import type { FamilySpec } from '../family-spec';

/** Deep (or, with no hidden layers, shallow) undercomplete MLP autoencoder; the decoder mirrors the encoder. */
export const deepAeModel = z.strictObject({
  hiddenLayers: z.array(z.number().int().min(1).max(4096)).max(8).meta({
    label: 'Hidden widths',
    help: 'Encoder layer widths from the input towards the code; the decoder mirrors them. Empty = shallow AE.',
    widget: 'widths',
  }),
  latentSize: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .meta({ label: 'Latent size', help: 'Width of the code layer (the bottleneck).', step: 1 }),
  activation: z
    .enum(['relu', 'tanh', 'sigmoid', 'elu', 'leakyRelu'])
    .meta({ label: 'Hidden activation', help: 'Non-linearity after every hidden layer.' }),
  outputActivation: z.enum(['sigmoid', 'tanh', 'linear']).meta({
    label: 'Output activation',
    help: 'sigmoid keeps pixels in (0,1), as BCE needs; the lecture MLP uses tanh.',
  }),
});
export type DeepAeModel = z.infer<typeof deepAeModel>;

export const deepAeSpec = {
  id: 'deep-ae',
  label: 'Deep autoencoder (MLP)',
  summary: 'Undercomplete MLP encoder and mirrored decoder trained to reconstruct its input.',
  modelSchema: deepAeModel,
  defaultModel: { hiddenLayers: [256, 64], latentSize: 16, activation: 'relu', outputActivation: 'sigmoid' },
  checkModel(model, training, issue) {
    if (training.loss === 'bce' && model.outputActivation !== 'sigmoid') {
      issue(['model', 'outputActivation'], 'BCE needs outputs in (0,1): choose the sigmoid output activation or the MSE loss');
    }
  },
  presets: [
    {
      name: 'deep-ae-mnist',
      description: 'Deep MLP AE 784-256-64-16 on MNIST, MSE, sigmoid output.',
      model: { hiddenLayers: [256, 64], latentSize: 16, activation: 'relu', outputActivation: 'sigmoid' },
    },
    {
      name: 'lecture-mlp-784-128-64-12-3',
      description: 'The lecture MLP 784-128-64-12-3 with ReLU and a tanh output (seed 003).',
      model: { hiddenLayers: [128, 64, 12], latentSize: 3, activation: 'relu', outputActivation: 'tanh' },
    },
    {
      name: 'shallow-ae-mnist',
      description: 'Shallow AE: one hidden layer, the 32-unit code, 784-32-784.',
      model: { hiddenLayers: [], latentSize: 32, activation: 'relu', outputActivation: 'sigmoid' },
    },
  ],
} satisfies FamilySpec<DeepAeModel>;

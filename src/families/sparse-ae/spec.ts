import { z } from 'zod';
import { autoencoderModel, autoencoderSpec } from '../autoencoder/spec';
import type { FamilySpec } from '../family-spec';

/**
 * Sparse autoencoder (seeds 001, 003): the reconstruction loss plus lambda * mean |a| over the code
 * (and optionally the hidden layers), so that few units are active for each input.
 */
export const sparseAeModel = autoencoderModel.extend({
  codeActivation: z
    .enum(['relu', 'linear'])
    .meta({ label: 'Code activation', help: 'relu makes exact zeros possible; linear leaves L1 to shrink the code.' }),
  lambda: z.number().min(0).max(10).meta({
    label: 'λ (L1 weight)',
    help: 'Weight of mean |a| over the code; 0 is a plain autoencoder.',
    widget: 'slider',
    step: 0.001,
    sliderMax: 0.1,
    scalesLoss: true,
  }),
  penaliseHidden: z.boolean().meta({
    label: 'Penalise hidden layers too',
    help: 'Adds λ·mean|a| of every encoder layer, not only the code.',
    scalesLoss: true,
  }),
});
export type SparseAeModel = z.infer<typeof sparseAeModel>;

const sparseMlp: SparseAeModel = {
  encoder: [{ type: 'dense', units: 256, activation: 'relu' }],
  latentSize: 64,
  decoder: [{ type: 'dense', units: 256, activation: 'relu' }],
  outputActivation: 'sigmoid',
  codeActivation: 'relu',
  lambda: 0.01,
  penaliseHidden: false,
};

export const sparseAeSpec = {
  id: 'sparse-ae',
  label: 'Sparse autoencoder (L1)',
  summary: 'An autoencoder whose code pays λ·mean|a|: few units fire per input. The first layer learns stroke-like features.',
  lossUnit: 'per pixel',
  objective: 'rec + λ·mean|a|',
  metrics: [
    { name: 'code_zero_share', label: 'near-zero code activations', format: 'percent', headline: true },
    { name: 'l1', label: 'mean |a| (L1 term)' },
  ],
  views: [
    { kind: 'code-histogram', title: 'Code activations', view: 'histogram' },
    { kind: 'first-layer-features', title: 'First-layer features', view: 'image-grid' },
  ],
  modelSchema: sparseAeModel,
  defaultModel: sparseMlp,
  codeRange: (m) => (m.codeActivation === 'relu' ? { min: 0, max: null, activation: 'ReLU' } : null),
  checkModel: autoencoderSpec.checkModel,
  presets: [
    {
      name: 'sparse-ae-mnist',
      description: 'Sparse AE 784-256-64 with a ReLU code and λ = 0.01 on mean|a|.',
      model: sparseMlp,
    },
    {
      name: 'sparse-ae-overcomplete',
      description:
        'Overcomplete sparse code (1024 units, one hidden layer as in Olshausen & Field): sparsity, not size, limits the code.',
      model: {
        encoder: [],
        latentSize: 1024,
        decoder: [],
        outputActivation: 'sigmoid',
        codeActivation: 'relu',
        lambda: 0.02,
        penaliseHidden: false,
      },
    },
  ],
} satisfies FamilySpec<SparseAeModel>;

import { z } from 'zod';
import { autoencoderModel, autoencoderSpec } from '../autoencoder/spec';
import type { FamilySpec } from '../family-spec';

/** Denoising autoencoder (seeds 000, 001): noise on the inputs only; the target stays the clean image. */
export const denoisingAeModel = autoencoderModel.extend({
  noise: z.enum(['gaussian', 'masking', 'saltPepper']).meta({
    label: 'Noise',
    help: 'gaussian: x + σ·ε, clipped to [0,1]; masking: each pixel set to 0 with probability p; salt-and-pepper: each pixel set to 0 or 1 with probability p.',
    scalesLoss: true,
  }),
  noiseLevel: z.number().min(0).max(1).meta({
    label: 'Noise level (σ or p)',
    help: 'σ of the Gaussian noise, or the probability p of a corrupted pixel.',
    widget: 'slider',
    step: 0.01,
    sliderMax: 1,
    scalesLoss: true,
  }),
});
export type DenoisingAeModel = z.infer<typeof denoisingAeModel>;

const mlp = {
  encoder: [
    { type: 'dense' as const, units: 256, activation: 'relu' as const },
    { type: 'dense' as const, units: 64, activation: 'relu' as const },
  ],
  latentSize: 32,
  decoder: [
    { type: 'dense' as const, units: 64, activation: 'relu' as const },
    { type: 'dense' as const, units: 256, activation: 'relu' as const },
  ],
  outputActivation: 'sigmoid' as const,
};

export const denoisingAeSpec = {
  id: 'denoising-ae',
  label: 'Denoising autoencoder',
  summary: 'Trained to map corrupted inputs back to the clean images: Gaussian, masking or salt-and-pepper noise.',
  lossUnit: 'per pixel',
  metrics: [
    { name: 'denoised_mse', label: 'MSE, denoised vs clean', headline: true, shouldBeat: 'noisy_mse' },
    { name: 'noisy_mse', label: 'MSE, noisy vs clean' },
  ],
  views: [{ kind: 'denoising', title: 'Noisy / clean / denoised', view: 'image-grid', wide: true }],
  modelSchema: denoisingAeModel,
  defaultModel: { ...mlp, noise: 'gaussian', noiseLevel: 0.3 },
  checkModel: autoencoderSpec.checkModel,
  presets: [
    {
      name: 'denoising-gaussian-0.3',
      description: 'Deep MLP DAE, Gaussian noise σ = 0.3.',
      model: { ...mlp, noise: 'gaussian', noiseLevel: 0.3 },
    },
    {
      name: 'denoising-masking-0.3',
      description: 'Deep MLP DAE, 30 % of the pixels masked to 0.',
      model: { ...mlp, noise: 'masking', noiseLevel: 0.3 },
    },
    {
      name: 'denoising-salt-pepper-0.2',
      description: 'Deep MLP DAE, 20 % salt-and-pepper pixels.',
      model: { ...mlp, noise: 'saltPepper', noiseLevel: 0.2 },
    },
  ],
} satisfies FamilySpec<DenoisingAeModel>;

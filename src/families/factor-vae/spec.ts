import { z } from 'zod';
import { discriminatorFields } from '../common-spec';
import type { FamilySpec } from '../family-spec';
import { gaussianVaeViews, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';
import type { LayerSpec } from '../layers';

/**
 * FactorVAE (Kim & Mnih 2018, "Disentangling by Factorising"): the VAE's loss plus γ·TC(z), the total correlation
 * estimated by a discriminator that tells samples of q(z) from samples whose dimensions were permuted across the
 * batch (the density-ratio trick). The discriminator is trained in the same step, by its own optimizer (Adam,
 * β₁ = 0.5, β₂ = 0.9, as in the paper).
 */
export const factorVaeModel = vaeModel.pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true }).extend({
  gamma: z.number().min(0).max(1000).meta({
    label: 'γ (TC weight)',
    help: 'Weight of the discriminator’s estimate of the total correlation; the paper sweeps 10 to 100.',
    widget: 'slider',
    step: 1,
    sliderMax: 100,
    scalesLoss: true,
  }),
  ...discriminatorFields({ layers: 'six of 1,000', learningRate: '1e-4 (β₁ 0.5, β₂ 0.9)' }),
});
export type FactorVaeModel = z.infer<typeof factorVaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const kimMnih: FactorVaeModel = {
  encoder: [dense(512), dense(256)],
  latentSize: 10,
  decoder: [dense(256), dense(512)],
  outputActivation: 'sigmoid',
  gamma: 35,
  discriminator: [256, 256],
  discriminatorLearningRate: 1e-4,
};

export const factorVaeSpec = {
  ...vaeVariantSpec<FactorVaeModel>(),
  id: 'factor-vae',
  label: 'FactorVAE (discriminator TC)',
  summary:
    'A VAE plus γ·TC(z), the total correlation estimated by a discriminator between q(z) and its dimension-permuted samples, trained in the same step.',
  objective: 'rec + KL + γ·TC',
  metrics: [
    ...vaeMetrics,
    { name: 'tc', label: 'TC estimate (discriminator)', digits: 3 },
    { name: 'disc_accuracy', label: 'discriminator accuracy', format: 'percent' },
  ],
  study: {
    label: 'FactorVAE',
    strengths: [10, 30, 100].map((gamma) => ({ label: `γ=${gamma}`, model: { gamma } })),
    source: 'disentanglement_lib unsupervised_study_v1: γ ∈ {10, 20, 30, 40, 50, 100}',
  },
  views: [...gaussianVaeViews],
  modelSchema: factorVaeModel,
  defaultModel: kimMnih,
  defaultTraining: { loss: 'bce', batchSize: 64 },
  presets: [
    {
      name: 'factor-vae-10d',
      description:
        'FactorVAE of Kim & Mnih (2018) on dSprites, scaled to this machine (choose the Shapes set for the dSprites set-up): γ = 35, a discriminator of two 256-unit layers (the paper: six of 1,000).',
      model: kimMnih,
    },
  ],
} satisfies FamilySpec<FactorVaeModel>;

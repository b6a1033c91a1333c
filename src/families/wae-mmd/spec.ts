import { z } from 'zod';
import type { FamilySpec } from '../family-spec';
import { gaussianVaeViews, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';
import type { LayerSpec } from '../layers';

/**
 * WAE-MMD (Tolstikhin et al. 2018, "Wasserstein Auto-Encoders"): reconstruction + λ·MMD(q(z), p(z)), the aggregate
 * posterior matched to N(0, I) by maximum mean discrepancy instead of a per-image KL; with the `infovae` variant, the
 * MMD-VAE of InfoVAE (Zhao et al. 2019): reconstruction + (1 − α)·KL + (α + λ − 1)·MMD.
 */
export const waeMmdModel = vaeModel.pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true }).extend({
  variant: z.enum(['wae', 'infovae']).meta({
    label: 'Variant',
    help: 'wae: λ·MMD alone (Tolstikhin et al. 2018); infovae: (1 − α)·KL + (α + λ − 1)·MMD (Zhao et al. 2019).',
    scalesLoss: true,
  }),
  lambda: z.number().min(0).max(10000).meta({
    label: 'λ (MMD weight)',
    help: 'WAE: 200 against the summed squared error (the paper’s 10 against 0.05·‖x − x̂‖²); 1,000 for InfoVAE’s MMD-VAE.',
    widget: 'slider',
    step: 1,
    sliderMax: 1000,
    scalesLoss: true,
  }),
  alpha: z
    .number()
    .min(-100)
    .max(1)
    .meta({ label: 'α (InfoVAE)', help: 'Mutual-information weight; 0 in the MMD-VAE.', step: 0.1, scalesLoss: true }),
  kernel: z.enum(['imq', 'rbf']).meta({
    label: 'Kernel',
    help: 'Inverse multiquadratics C/(C + ‖x − y‖²), summed over scales (the paper’s choice), or a Gaussian RBF exp(−‖x − y‖²/2d) (narrower than the MMD-VAE code’s exp(−‖x − y‖²/d²)).',
    scalesLoss: true,
  }),
});
export type WaeMmdModel = z.infer<typeof waeMmdModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const tolstikhin: WaeMmdModel = {
  encoder: [dense(512), dense(256)],
  latentSize: 8,
  decoder: [dense(256), dense(512)],
  outputActivation: 'sigmoid',
  variant: 'wae',
  // Their λ = 10 against a cost of 0.05·‖x − x̂‖²: λ = 200 against the summed squared error (the MSE loss).
  lambda: 200,
  alpha: 0,
  kernel: 'imq',
};

export const waeMmdSpec = {
  ...vaeVariantSpec<WaeMmdModel>(),
  id: 'wae-mmd',
  label: 'WAE-MMD and InfoVAE',
  summary:
    'An autoencoder whose aggregate code distribution is matched to N(0, I) by MMD (WAE), or a VAE with an MMD term (InfoVAE).',
  objective: 'rec + λ·MMD(q(z), p(z))',
  metrics: [...vaeMetrics, { name: 'mmd', label: 'MMD to the prior (IMQ or RBF)', digits: 4 }],
  views: gaussianVaeViews,
  modelSchema: waeMmdModel,
  defaultModel: tolstikhin,
  // A WAE's reconstruction term is a cost, the squared error of the paper; InfoVAE's preset takes BCE, a likelihood.
  defaultTraining: { loss: 'mse', batchSize: 128 },
  presets: [
    {
      name: 'wae-mmd-mnist',
      description:
        'WAE-MMD of Tolstikhin et al. (2018) on MNIST, scaled: an 8-D code, IMQ kernels, their conv nets an MLP. Their λ = 10 weighs the MMD against a cost of 0.05·‖x − x̂‖² (their code), so here λ = 200 against the summed squared error (the MSE loss, this family’s default).',
      model: tolstikhin,
      training: { loss: 'mse' },
    },
    {
      name: 'infovae-mmd',
      description: 'The MMD-VAE of InfoVAE (Zhao et al. 2019): α = 0, λ = 1,000, RBF kernel, the KL kept at weight 1.',
      model: { ...tolstikhin, variant: 'infovae', lambda: 1000, kernel: 'rbf' },
      training: { loss: 'bce' },
    },
  ],
} satisfies FamilySpec<WaeMmdModel>;

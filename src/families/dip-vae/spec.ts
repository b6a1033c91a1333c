import { z } from 'zod';
import type { FamilySpec } from '../family-spec';
import { gaussianVaeViews, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';
import type { LayerSpec } from '../layers';

/**
 * DIP-VAE (Kumar et al. 2018, "Variational Inference of Disentangled Latent Concepts from Unlabeled Observations"):
 * the VAE's loss plus a penalty that moves the covariance of the aggregate posterior towards the identity:
 * λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)². DIP-VAE-I takes C = Cov[μ(x)]; DIP-VAE-II the covariance of q(z),
 * E[diag σ²(x)] + Cov[μ(x)].
 */
export const dipVaeModel = vaeModel.pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true }).extend({
  variant: z.enum(['i', 'ii']).meta({
    label: 'Variant',
    help: 'I: the covariance of μ(x); II: the covariance of q(z) (adds the mean posterior variance).',
    scalesLoss: true,
  }),
  lambdaOd: z.number().min(0).max(1000).meta({
    label: 'λ_od (off-diagonal)',
    help: 'Pushes the covariance off the diagonal to 0; disentanglement_lib sweeps 1 to 50.',
    widget: 'slider',
    step: 1,
    sliderMax: 50,
    scalesLoss: true,
  }),
  lambdaD: z.number().min(0).max(10000).meta({
    label: 'λ_d (diagonal)',
    help: 'Pushes the diagonal to 1; the paper uses 10·λ_od for DIP-VAE-I and λ_od for DIP-VAE-II.',
    step: 1,
    scalesLoss: true,
  }),
});
export type DipVaeModel = z.infer<typeof dipVaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const dipI: DipVaeModel = {
  encoder: [dense(512), dense(256)],
  latentSize: 10,
  decoder: [dense(256), dense(512)],
  outputActivation: 'sigmoid',
  variant: 'i',
  lambdaOd: 10,
  lambdaD: 100,
};

export const dipVaeSpec = {
  ...vaeVariantSpec<DipVaeModel>(),
  id: 'dip-vae',
  label: 'DIP-VAE (I and II)',
  summary: 'A VAE with a penalty that moves the covariance of the encoded means (I) or of q(z) (II) towards the identity.',
  objective: 'rec + KL + λ_od·Σ C_ij² + λ_d·Σ (C_ii − 1)²',
  metrics: [...vaeMetrics, { name: 'dip', label: 'DIP penalty (weighted)', digits: 3 }],
  study: {
    label: 'DIP-VAE-I',
    strengths: [1, 10, 50].map((lambdaOd) => ({
      label: `λ_od=${lambdaOd}`,
      model: { variant: 'i' as const, lambdaOd, lambdaD: 10 * lambdaOd },
    })),
    source: 'disentanglement_lib unsupervised_study_v1: DIP-VAE-I, λ_od ∈ {1, 2, 5, 10, 20, 50}, λ_d = 10·λ_od',
  },
  views: [...gaussianVaeViews],
  modelSchema: dipVaeModel,
  defaultModel: dipI,
  presets: [
    {
      name: 'dip-vae-i',
      description:
        'DIP-VAE-I as in Kumar et al. (2018) on dSprites, scaled to this machine (choose the Shapes set for the dSprites set-up): λ_od = 10, λ_d = 10·λ_od.',
      model: dipI,
    },
    {
      name: 'dip-vae-ii',
      description: 'DIP-VAE-II as in Kumar et al. (2018): the covariance of q(z), λ_od = λ_d = 10.',
      model: { ...dipI, variant: 'ii', lambdaD: 10 },
    },
  ],
} satisfies FamilySpec<DipVaeModel>;

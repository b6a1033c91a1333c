import { z } from 'zod';
import { discriminatorFields } from '../common-spec';
import type { FamilySpec, ModelCheck } from '../family-spec';
import { gaussianVaeViews, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';
import type { LayerSpec } from '../layers';

/**
 * The adversarial autoencoder (Makhzani et al. 2016): an autoencoder whose codes a discriminator tells from samples
 * of a prior, and whose encoder learns to fool it (regularisation phase), the discriminator trained in the same step
 * by its own Adam. Its encoder here is the paper's Gaussian-posterior form; the prior is N(0, I) or a mixture of ten
 * Gaussians on a circle in the first two dimensions (the paper's figure 4).
 */
export const aaeModel = vaeModel.pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true }).extend({
  prior: z.enum(['gaussian', 'mixture']).meta({
    label: 'Prior',
    help: 'N(0, I), or ten Gaussians (σ 0.5) on a circle of radius 4 in the first two dimensions, N(0, 1) in the rest.',
  }),
  lambda: z.number().min(0).max(1000).meta({
    label: 'λ (adversarial weight)',
    help: 'Weight of the encoder’s loss for being told apart from the prior.',
    step: 0.1,
    scalesLoss: true,
  }),
  ...discriminatorFields({ layers: 'two of 1,000', learningRate: '2e-4 here (β₁ 0.5)' }),
});
export type AaeModel = z.infer<typeof aaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const makhzani: AaeModel = {
  encoder: [dense(1000), dense(1000)],
  latentSize: 8,
  decoder: [dense(1000), dense(1000)],
  outputActivation: 'sigmoid',
  prior: 'gaussian',
  lambda: 1,
  discriminator: [256, 256],
  discriminatorLearningRate: 2e-4,
};

const variant = vaeVariantSpec<AaeModel>();

/** The mixture's ten components lie on a circle in the code's first two dimensions: a 1-D code would get N(0, 1). */
const checkAae: ModelCheck<AaeModel> = (model, ctx, issue) => {
  variant.checkModel(model, ctx, issue);
  if (model.prior === 'mixture' && model.latentSize < 2)
    issue(['model', 'prior'], 'the mixture prior lies on a circle in two dimensions: it needs latentSize 2 or more');
};

export const aaeSpec = {
  ...variant,
  checkModel: checkAae,
  id: 'aae',
  label: 'Adversarial autoencoder (AAE)',
  summary: 'An autoencoder whose codes a discriminator tells from prior samples; the encoder learns to match the prior.',
  objective: 'rec + λ·BCE(D(z), prior)',
  metrics: [
    { name: 'reconstruction', label: 'reconstruction', digits: 2, headline: true },
    { name: 'adversarial', label: 'encoder’s adversarial loss', digits: 3 },
    { name: 'mmd', label: 'MMD of the codes to the prior', digits: 4 },
    // The ELBO against the prior the codes are matched to (reported, not trained on): comparable with a VAE's.
    ...vaeMetrics
      .filter((m) => m.name !== 'reconstruction')
      .map((m) => (m.name === 'kl' ? { ...m, label: 'KL to the prior' } : { ...m, headline: false })),
  ],
  // The KL per dimension is against N(0, I): drawn for that prior alone (the mixture's run reports none).
  unreported: (m: AaeModel) => (m.prior === 'mixture' ? ['kl_per_dim'] : []),
  views: gaussianVaeViews,
  modelSchema: aaeModel,
  defaultModel: makhzani,
  presets: [
    {
      name: 'aae-gaussian',
      description:
        'The AAE of Makhzani et al. (2016) on MNIST with a Gaussian prior: 784-1000-1000-8, a discriminator of two 256-unit layers (the paper: 1,000).',
      model: makhzani,
    },
    {
      name: 'aae-mixture-2d',
      description: 'The same with a 2-D code and the prior of ten Gaussians on a circle (Makhzani et al. 2016, figure 4).',
      model: { ...makhzani, latentSize: 2, prior: 'mixture' },
    },
  ],
} satisfies FamilySpec<AaeModel>;

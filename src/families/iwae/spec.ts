import { z } from 'zod';
import type { FamilySpec, ModelCheck } from '../family-spec';
import { gaussianVaeViews, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';
import type { LayerSpec } from '../layers';

/**
 * IWAE (Burda et al. 2016, "Importance Weighted Autoencoders"): the VAE trained on the K-sample importance-weighted
 * bound log (1/K) Σ_k p(x, z_k)/q(z_k|x), z_k ~ q(z|x), which is at least the ELBO and tightens as K grows (K = 1 is
 * the VAE). The same importance weights as the evaluation's likelihood estimate.
 */
export const iwaeModel = vaeModel.pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true }).extend({
  samples: z.number().int().min(1).max(64).meta({
    label: 'K (importance samples)',
    help: 'Samples of z per image in the bound; 1 is the VAE, the paper uses 5 and 50.',
    step: 1,
    scalesLoss: true,
  }),
});
export type IwaeModel = z.infer<typeof iwaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'tanh' });

const burda: IwaeModel = {
  encoder: [dense(200), dense(200)],
  latentSize: 50,
  decoder: [dense(200), dense(200)],
  outputActivation: 'sigmoid',
  samples: 5,
};

const variant = vaeVariantSpec<IwaeModel>();

/** The bound weighs each z by p(x|z): a normalised likelihood, which Smooth L1 is not (see decoderLogLikelihood). */
const checkIwae: ModelCheck<IwaeModel> = (model, ctx, issue) => {
  variant.checkModel(model, ctx, issue);
  if (ctx.training.loss === 'smoothL1')
    issue(
      ['training', 'loss'],
      "IWAE's bound needs a likelihood p(x|z): bce (Bernoulli), mse (Gaussian) or mae (Laplace); Smooth L1 implies none",
    );
};

export const iwaeSpec = {
  ...variant,
  checkModel: checkIwae,
  id: 'iwae',
  label: 'IWAE (importance-weighted bound)',
  summary: 'A VAE trained on the K-sample importance-weighted bound, tighter than the ELBO (K = 1 is the VAE).',
  objective: '−log (1/K) Σ_k p(x, z_k)/q(z_k|x)',
  metrics: [
    { name: 'iwae', label: 'test −IWAE bound (K samples)', digits: 2, headline: true },
    ...vaeMetrics.map((m) => ({ ...m, headline: false })),
  ],
  views: [...gaussianVaeViews],
  modelSchema: iwaeModel,
  defaultModel: burda,
  defaultTraining: { loss: 'bce', batchSize: 20 },
  presets: [
    {
      name: 'iwae-k5',
      description: 'IWAE of Burda et al. (2016) on MNIST, one stochastic layer: 784-200-200-50 (tanh), K = 5, batch 20.',
      model: burda,
    },
    {
      name: 'iwae-k50',
      description: 'The same with K = 50, the paper’s tightest bound (slower: 50 decodes per image).',
      model: { ...burda, samples: 50 },
    },
  ],
} satisfies FamilySpec<IwaeModel>;

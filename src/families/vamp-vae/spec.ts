import { z } from 'zod';
import type { FamilySpec } from '../family-spec';
import type { LayerSpec } from '../layers';
import { gaussianVaeViews, klWarmupMetric, vaeLossSettles, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';

/**
 * The VAE with the VampPrior (Tomczak & Welling 2018, "VAE with a VampPrior"): p(z) = (1/K) Σ_k q(z | u_k), the
 * mixture of the encoder's posteriors at K pseudo-inputs u_k learned with the rest of the model (eq. 9). The KL has
 * no closed form against the mixture; it is the single-sample estimate log q(z|x) − log p(z) at the reconstruction's z.
 */
export const vampVaeModel = vaeModel
  .pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true, beta: true, klWarmupEpochs: true })
  .extend({
    pseudoInputs: z.number().int().min(1).max(2000).meta({
      label: 'Pseudo-inputs K',
      help: 'Components of the prior: images the model learns, whose posteriors form p(z). The paper uses 500 on MNIST.',
      step: 1,
    }),
  });
export type VampVaeModel = z.infer<typeof vampVaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

// The paper's MNIST VAE (§4): two hidden layers of 300, a 40-D latent, β warm-up over 100 epochs; scaled here.
const tomczak: VampVaeModel = {
  encoder: [dense(300), dense(300)],
  latentSize: 40,
  decoder: [dense(300), dense(300)],
  outputActivation: 'sigmoid',
  beta: 1,
  klWarmupEpochs: 5,
  pseudoInputs: 100,
};

export const vampVaeSpec = {
  ...vaeVariantSpec<VampVaeModel>(),
  architecture: (m: VampVaeModel, { pixels }: { pixels: number }) => ({
    body: m,
    codeUnits: 2 * m.latentSize,
    extras: [{ where: 'pseudo_inputs', label: `pseudo-inputs ${m.pseudoInputs} × ${pixels}`, shape: [m.pseudoInputs, pixels] }],
  }),
  id: 'vamp-vae',
  lossSettles: vaeLossSettles,
  label: 'VAE with a VampPrior',
  summary:
    'A VAE whose prior is the mixture of its posteriors at K learned pseudo-inputs (Tomczak & Welling 2018); KL against the mixture.',
  objective: 'rec + β·(log q(z|x) − log (1/K)Σ_k q(z|u_k))',
  // The KL against a mixture does not split by latent dimension: no per-dimension bars, active units as a count.
  metrics: [...vaeMetrics.filter((m) => m.name !== 'kl_per_dim').map(({ outOf: _, ...m }) => m), ...klWarmupMetric.metrics],
  unreported: klWarmupMetric.unreported,
  sampling: 'vamp',
  views: [
    ...gaussianVaeViews.filter((v) => v.view !== 'bars'),
    { kind: 'pseudo-inputs', title: 'Pseudo-inputs u_k (the prior’s components)', view: 'image-grid' },
  ],
  modelSchema: vampVaeModel,
  defaultModel: tomczak,
  defaultTraining: { loss: 'bce', batchSize: 100, learningRate: 5e-4 },
  presets: [
    {
      name: 'vamp-vae-k100',
      description:
        'VampPrior VAE after Tomczak & Welling (2018, §4: MNIST, 300-300 to a 40-D z, warm-up): K = 100 pseudo-inputs (the paper: 500), warm-up over 5 epochs (the paper: 100).',
      model: tomczak,
    },
    {
      name: 'vamp-vae-k500',
      description: 'The same with the paper’s K = 500 pseudo-inputs (each step also encodes them: slower).',
      model: { ...tomczak, pseudoInputs: 500 },
    },
  ],
} satisfies FamilySpec<VampVaeModel>;

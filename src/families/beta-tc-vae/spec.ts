import { z } from 'zod';
import type { FamilySpec, MetricDeclaration } from '../family-spec';
import { gaussianVaeViews, vaeMetrics, vaeModel, vaeVariantSpec } from '../vae/spec';
import type { LayerSpec } from '../layers';

/**
 * β-TC-VAE (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs"): the KL of the ELBO split into the
 * index-code mutual information, the total correlation of q(z) and the dimension-wise KL, each with its weight:
 * loss = reconstruction + α·MI + β·TC + γ·dwKL, estimated from each batch by minibatch weighted sampling (the paper's
 * default) or minibatch stratified sampling (`estimator`, model.ts). α = γ = 1, β > 1 is the paper's setting.
 */
export const TcEstimator = z.enum(['mws', 'mss']);
export type TcEstimator = z.infer<typeof TcEstimator>;

export const betaTcVaeModel = vaeModel.pick({ encoder: true, latentSize: true, decoder: true, outputActivation: true }).extend({
  beta: z.number().min(0).max(100).meta({
    label: 'β (TC weight)',
    help: 'Weight of the total correlation of q(z); 1 is the VAE, the paper uses 6 on dSprites.',
    widget: 'slider',
    step: 0.5,
    sliderMax: 20,
    scalesLoss: true,
  }),
  alpha: z
    .number()
    .min(0)
    .max(100)
    .meta({ label: 'α (MI weight)', help: 'Weight of the index-code mutual information.', step: 0.1, scalesLoss: true }),
  gamma: z
    .number()
    .min(0)
    .max(100)
    .meta({ label: 'γ (dimension-wise KL weight)', help: 'Weight of Σ_d KL(q(z_d) ‖ p(z_d)).', step: 0.1, scalesLoss: true }),
  estimator: TcEstimator.optional().meta({
    label: 'q(z) estimator',
    unset: 'mws',
    optionLabels: { mss: 'minibatch stratified sampling (MSS)', mws: 'minibatch weighted sampling (MWS)' },
    help: 'How log q(z) is estimated from each batch. MSS reads near the full-data values. MWS, the paper’s default, weighs the batch with weights that sum to 1/N: its MI, TC and dimension-wise KL read shifted by tens of nats (the TC up to d·log N − log M high), though their sum, the KL, is right. Empty is MWS, as in runs from before the choice.',
  }),
});
export type BetaTcVaeModel = z.infer<typeof betaTcVaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

/** The TC decomposition's three terms, besides the VAE's. */
export const tcMetrics: MetricDeclaration[] = [
  { name: 'tc', label: 'total correlation (batch estimate)', digits: 3 },
  { name: 'mi', label: 'index-code MI (batch estimate)', digits: 3 },
  { name: 'dwkl', label: 'dimension-wise KL (batch estimate)', digits: 3 },
];

const chen: BetaTcVaeModel = {
  encoder: [dense(512), dense(256)],
  latentSize: 10,
  decoder: [dense(256), dense(512)],
  outputActivation: 'sigmoid',
  beta: 6,
  alpha: 1,
  gamma: 1,
  estimator: 'mss',
};

export const betaTcVaeSpec = {
  ...vaeVariantSpec<BetaTcVaeModel>(),
  id: 'beta-tc-vae',
  label: 'β-TC-VAE (total correlation)',
  summary:
    'A VAE whose KL is split into MI, total correlation and dimension-wise KL (estimated from each batch); only the TC is weighted up.',
  objective: 'rec + α·MI + β·TC + γ·dwKL',
  metrics: [...vaeMetrics, ...tcMetrics],
  study: {
    label: 'β-TC-VAE',
    strengths: [1, 6, 10].map((beta) => ({ label: `β=${beta}`, model: { beta } })),
    source: 'disentanglement_lib unsupervised_study_v1: β ∈ {1, 2, 4, 6, 8, 10}',
  },
  views: [
    ...gaussianVaeViews,
    {
      kind: 'tc-parts',
      title: 'MI, total correlation and dimension-wise KL (test)',
      view: 'parts-chart',
      metrics: ['mi', 'tc', 'dwkl'],
      unit: 'nats',
    },
  ],
  modelSchema: betaTcVaeModel,
  defaultModel: chen,
  presets: [
    {
      name: 'beta-tc-vae-10d',
      description:
        'β-TC-VAE of Chen et al. (2018) on dSprites, scaled to this machine: MLP 1200-1200 became 512-256, 10-D z, β = 6 (choose the Shapes set for the dSprites set-up).',
      model: chen,
    },
    {
      name: 'beta-tc-vae-mnist',
      description: 'β-TC-VAE on MNIST as in Chen et al. (2018), §6: a 10-D code, β = 4, the Kingma & Welling 784-400 MLP.',
      model: { ...chen, encoder: [dense(400)], decoder: [dense(400)], beta: 4 },
    },
  ],
} satisfies FamilySpec<BetaTcVaeModel>;

import { z } from 'zod';
import { checkArchitecture, outputActivation } from '../common-spec';
import type { FamilySpec, MetricDeclaration, ModelCheck, ViewDeclaration } from '../family-spec';
import { LayerStack, type LayerSpec } from '../layers';
import type { Architecture } from '../layers';

/**
 * VAE and beta-VAE (seed 000, Kingma & Welling 2014; Higgins et al. 2017): the encoder outputs mu and
 * log sigma^2, z = mu + sigma * eps, loss = reconstruction + beta * KL(q(z|x) || N(0, I)); optionally
 * the capacity-controlled form gamma * |KL - C| with C rising linearly (Burgess et al. 2018).
 */
export const vaeModel = z.strictObject({
  encoder: LayerStack.meta({
    label: 'Encoder',
    help: 'Layers from the image; dense heads for mu and log sigma² follow.',
    widget: 'stack',
  }),
  latentSize: z
    .number()
    .int()
    .min(1)
    .max(512)
    .meta({ label: 'Latent size', help: 'Dimensions of z; 2 shows the manifold and the latent scatter.', step: 1 }),
  decoder: LayerStack.meta({
    label: 'Decoder',
    help: 'Layers from z towards the image; an output layer follows.',
    widget: 'stack',
  }),
  outputActivation,
  beta: z.number().min(0).max(100).meta({
    label: 'β (KL weight)',
    help: 'β = 1 is the VAE; β > 1 trades reconstruction for a more disentangled code.',
    widget: 'slider',
    step: 0.1,
    sliderMax: 10,
    scalesLoss: true,
  }),
  klWarmupEpochs: z.number().min(0).max(1000).meta({
    label: 'KL warm-up (epochs)',
    help: 'β rises linearly from 0, step by step, over these epochs, then stays at β (0 = none); helps against posterior collapse. A warm-up as long as the run never trains at full β.',
    step: 1,
  }),
  capacityMaxNats: z.number().min(0).max(1000).optional().meta({
    label: 'Capacity C max (nats)',
    help: 'Set to use γ·|KL − C| (Burgess et al. 2018) instead of β·KL; C rises from 0 to this.',
    step: 1,
    unset: 'off (β·KL)',
    scalesLoss: true,
  }),
  capacityEpochs: z
    .number()
    .min(0)
    .max(1000)
    .optional()
    .meta({
      label: 'Capacity ramp (epochs)',
      help: 'Epochs over which C rises to its maximum (unset or 0: C is at its maximum from the start).',
      step: 1,
      unset: '0',
      readWith: { field: 'capacityMaxNats' },
    }),
  capacityGamma: z
    .number()
    .min(0)
    .max(10000)
    .optional()
    .meta({ label: 'Capacity γ', help: 'Weight of |KL − C| (needed with C max).', step: 10, scalesLoss: true }),
});
export type VaeModel = z.infer<typeof vaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const shapes = checkArchitecture<VaeModel>((m) => ({ codeUnits: 2 * m.latentSize }));
/** The capacity form γ·|KL − C| (Burgess et al. 2018) is set whole: C max without γ is refused (the VAE's and the CVAE's). */
export const checkCapacity: ModelCheck<VaeModel> = (model, ctx, issue) => {
  if (model.capacityMaxNats !== undefined && model.capacityGamma === undefined) {
    issue(['model', 'capacityGamma'], 'the capacity form needs γ (capacityGamma) when C max is set');
  }
  // Its γ and ramp without C max would be ignored (the loss is β·KL): refused for a new run, as a schedule's unread
  // settings are (a run that trained so goes on as it was).
  if (model.capacityMaxNats === undefined && !ctx.continuing)
    for (const field of ['capacityGamma', 'capacityEpochs'] as const)
      if (model[field] !== undefined)
        issue(['model', field], `${field} is read by the capacity form alone: set capacityMaxNats (C max) too, or leave it out`);
};
const checkVae: ModelCheck<VaeModel> = (model, ctx, issue) => {
  shapes(model, ctx, issue);
  checkCapacity(model, ctx, issue);
};

/** What the VAE and the CVAE report besides the loss: the ELBO's parts, and the KL of each latent dimension. */
export const vaeMetrics: MetricDeclaration[] = [
  {
    name: 'neg_elbo',
    label: 'test −ELBO',
    unit: 'nats',
    digits: 2,
    headline: true,
    comparable: true,
    losses: ['bce', 'mse', 'mae'],
  },
  // In nats under a likelihood loss (BCE's Bernoulli, MSE's Gaussian); a sum of errors under another: no unit said.
  { name: 'reconstruction', label: 'reconstruction', digits: 2 },
  { name: 'kl', label: 'KL', unit: 'nats', digits: 2 },
  { name: 'active_units', label: 'active units', format: 'count', outOf: 'kl_per_dim' },
  { name: 'kl_per_dim', label: 'KL per latent dimension', unit: 'nats', perDimension: 'kl_dim_' },
];

/**
 * What a VAE with a KL warm-up reports besides: the β the loss weighs the KL by so far (the loss is rec + this · KL),
 * during the warm-up alone (`unreported` says so for a model without one, and a rule on it is refused).
 */
export const klWarmupMetric = {
  metrics: [{ name: 'kl_weight', label: 'β so far (KL warm-up)', digits: 3, setting: true }] satisfies MetricDeclaration[],
  unreported: (m: { klWarmupEpochs: number }) => (m.klWarmupEpochs > 0 ? [] : ['kl_weight']),
};

/** The VAE's and the CVAE's metric panels: the ELBO's parts epoch by epoch, and the KL per dimension. */
export const vaeMetricViews: ViewDeclaration[] = [
  {
    kind: 'elbo-parts',
    title: '−ELBO, reconstruction and KL (test)',
    view: 'parts-chart',
    metrics: ['reconstruction', 'kl', 'neg_elbo'],
    unit: 'nats per image',
  },
  {
    kind: 'kl-per-dim',
    title: 'KL per latent dimension',
    view: 'bars',
    metric: 'kl_per_dim',
    dimensionLabel: 'z',
    note: 'Dimensions near 0 are unused by the decoder (inactive units).',
  },
];

/** The views of every VAE with a N(0, I) prior: the ELBO's parts, traversals, prior samples and interpolations. */
export const gaussianVaeViews: ViewDeclaration[] = [
  ...vaeMetricViews,
  { kind: 'latent-traversal', title: 'Latent traversal', view: 'image-grid' },
  { kind: 'prior-samples', title: 'Samples from the prior', view: 'image-grid' },
  { kind: 'interpolation', title: 'Interpolation', view: 'image-grid' },
];

/**
 * What a VAE whose loss differs (β-TC-VAE, FactorVAE, DIP-VAE, IWAE) shares with the VAE in its spec: the encoder's
 * two heads of the latent's size, its likelihood and N(0, I) sampling, BCE by default.
 */
/** The epoch from which a VAE's loss is one objective: its KL warm-up's end, or its capacity ramp's where C is used. */
export const vaeLossSettles = (m: {
  klWarmupEpochs?: number;
  capacityMaxNats?: number | undefined;
  capacityEpochs?: number | undefined;
}) => Math.max(m.klWarmupEpochs ?? 0, m.capacityMaxNats !== undefined ? (m.capacityEpochs ?? 0) : 0);

export function vaeVariantSpec<M extends Architecture & { latentSize: number; outputActivation: string }>() {
  return {
    lossUnit: 'per image (nats for BCE)',
    evaluation: { likelihood: true },
    sampling: 'gaussian' as const,
    checkModel: checkArchitecture<M>((m) => ({ codeUnits: 2 * m.latentSize })),
    architecture: (m: M) => ({ body: m, codeUnits: 2 * m.latentSize }),
    defaultTraining: { loss: 'bce' as const, batchSize: 128 },
  };
}

const kingmaWelling: VaeModel = {
  encoder: [dense(400)],
  latentSize: 20,
  decoder: [dense(400)],
  outputActivation: 'sigmoid',
  beta: 1,
  klWarmupEpochs: 0,
};

export const vaeSpec = {
  id: 'vae',
  label: 'Variational autoencoder (VAE, β-VAE)',
  summary:
    'Encoder to q(z|x) = N(mu, sigma²), reparameterised sample, decoder p(x|z); loss = reconstruction + β·KL. β = 1 is the VAE.',
  lossUnit: 'per image (nats for BCE)',
  objective: 'rec + β·KL',
  metrics: [...vaeMetrics, ...klWarmupMetric.metrics],
  unreported: klWarmupMetric.unreported,
  evaluation: { likelihood: true },
  sampling: 'gaussian',
  lossSettles: vaeLossSettles,
  study: {
    label: 'β-VAE',
    strengths: [1, 4, 16].map((beta) => ({ label: `β=${beta}`, model: { beta } })),
    source: 'disentanglement_lib unsupervised_study_v1: β ∈ {1, 2, 4, 6, 8, 16}; here its ends and middle',
  },
  views: [
    ...gaussianVaeViews,
    { kind: 'manifold', title: 'Decoded manifold (2-D latent)', view: 'image-grid' },
    { kind: 'latent-scatter', title: 'Latent space (2-D)', view: 'scatter' },
  ],
  modelSchema: vaeModel,
  defaultModel: kingmaWelling,
  checkModel: checkVae,
  architecture: (m) => ({ body: m, codeUnits: 2 * m.latentSize }),
  defaultTraining: { loss: 'bce', batchSize: 128 },
  presets: [
    {
      name: 'vae-784-400-20',
      description: 'The VAE of Kingma & Welling (2014): 784-400-20, Bernoulli decoder (BCE), β = 1.',
      model: kingmaWelling,
    },
    {
      name: 'vae-2d-latent',
      description: 'A VAE with a 2-D latent (seed 004): decoded manifold grid and latent scatter coloured by digit.',
      model: {
        encoder: [dense(512), dense(256)],
        latentSize: 2,
        decoder: [dense(256), dense(512)],
        outputActivation: 'sigmoid',
        beta: 1,
        klWarmupEpochs: 0,
      },
    },
    {
      name: 'beta-vae-4',
      description: 'β-VAE with β = 4 and a 10-D latent, 2 epochs of KL warm-up.',
      model: {
        encoder: [dense(512), dense(256)],
        latentSize: 10,
        decoder: [dense(256), dense(512)],
        outputActivation: 'sigmoid',
        beta: 4,
        klWarmupEpochs: 2,
      },
    },
    {
      name: 'vae-784-512-256-20',
      description: 'MLP VAE 784-512-256-20 with a mirrored decoder: the throughput model of the benchmark.',
      model: {
        encoder: [dense(512), dense(256)],
        latentSize: 20,
        decoder: [dense(256), dense(512)],
        outputActivation: 'sigmoid',
        beta: 1,
        klWarmupEpochs: 0,
      },
    },
    {
      name: 'conv-vae',
      description:
        'Convolutional VAE: conv 32 s2, conv 64 s2, dense heads; dense, conv-T 32 s2, conv-T 1 s2 (and a 3×3 output conv).',
      model: {
        encoder: [
          { type: 'conv', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'conv', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
        ],
        latentSize: 20,
        decoder: [
          { type: 'dense', units: 7 * 7 * 64, activation: 'relu' },
          { type: 'reshape', shape: [7, 7, 64] },
          { type: 'convTranspose', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'convTranspose', filters: 1, kernel: 3, stride: 2, activation: 'linear' },
        ],
        outputActivation: 'sigmoid',
        beta: 1,
        klWarmupEpochs: 0,
      },
    },
    {
      name: 'conv-vae-bn',
      description:
        'The convolutional VAE with batch norm after each hidden convolution (before its ReLU), as in DCGAN-style encoders and decoders.',
      model: {
        encoder: [
          { type: 'conv', filters: 32, kernel: 3, stride: 2, activation: 'linear' },
          { type: 'batchNorm' },
          { type: 'activation', activation: 'relu' },
          { type: 'conv', filters: 64, kernel: 3, stride: 2, activation: 'linear' },
          { type: 'batchNorm' },
          { type: 'activation', activation: 'relu' },
        ],
        latentSize: 20,
        decoder: [
          { type: 'dense', units: 7 * 7 * 64, activation: 'relu' },
          { type: 'reshape', shape: [7, 7, 64] },
          { type: 'convTranspose', filters: 32, kernel: 3, stride: 2, activation: 'linear' },
          { type: 'batchNorm' },
          { type: 'activation', activation: 'relu' },
          { type: 'convTranspose', filters: 1, kernel: 3, stride: 2, activation: 'linear' },
        ],
        outputActivation: 'sigmoid',
        beta: 1,
        klWarmupEpochs: 0,
      },
    },
  ],
} satisfies FamilySpec<VaeModel>;

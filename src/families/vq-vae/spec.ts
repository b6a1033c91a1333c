import { z } from 'zod';
import { checkArchitecture, outputActivation } from '../common-spec';
import type { FamilySpec, MetricDeclaration, ViewDeclaration } from '../family-spec';
import { LayerStack, type LayerSpec } from '../layers';
import { quantiserValues } from '../memory';

/**
 * What every quantiser's model has (the VQ-VAE, FSQ, the RQ-VAE): an encoder to a number of code positions, each
 * quantised (its own fields between), and a decoder from the quantised code (`quantiserDecoder`).
 */
export const quantiserEncoder = {
  encoder: LayerStack.meta({
    label: 'Encoder',
    help: 'Layers from the image; a dense layer to positions × the code vector’s size follows.',
    widget: 'stack',
  }),
  positions: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .meta({ label: 'Code positions', help: 'How many code vectors describe one image.', step: 1 }),
};
export const quantiserDecoder = {
  decoder: LayerStack.meta({
    label: 'Decoder',
    help: 'Layers from the quantised code (positions × the code vector’s size values); an output layer follows.',
    widget: 'stack',
  }),
  outputActivation,
};

/**
 * What every quantiser's spec shares: per-pixel losses, a discrete code grid that a learned prior samples (so no
 * explorer sliders: they would decode codes the quantiser never emits), the usage figures and their views.
 */
export const quantiserSpec = {
  lossUnit: 'per pixel',
  sampling: 'learned-prior' as const,
  explorer: false as const,
};
export const quantiserMetrics: MetricDeclaration[] = [
  // exp(H) of each test batch's code distribution, averaged over batches: below the whole split's (fewer codes per batch).
  { name: 'perplexity', label: 'code perplexity per test batch', digits: 1, headline: true },
  // The share of the codes used within a test batch, averaged over batches: fewer than the histogram's count over 1,000 images.
  { name: 'codebook_usage', label: 'codes in use per test batch', format: 'percent' },
];
export const quantiserViews = (usageTitle = 'Codebook usage', prior = 'PixelCNN'): ViewDeclaration[] => [
  { kind: 'code-usage', title: usageTitle, view: 'histogram' },
  // Drawn by its learned prior (prior.start), not at each epoch: prior samples above uniform-code samples.
  {
    kind: 'pixelcnn-samples',
    title: `Learned prior (${prior}): its samples above, uniform codes below`,
    view: 'image-grid',
    wide: true,
  },
];

/** The EMA codebook's decay when the config leaves it unset (van den Oord et al. 2017, appendix A.1). */
export const defaultEmaDecay = 0.99;

/**
 * VQ-VAE (seed 000; van den Oord et al. 2017): the encoder emits `positions` vectors of size D, each replaced
 * by its nearest of K codebook vectors; gradients pass straight through; codebook and commitment losses.
 */
export const vqVaeModel = z.strictObject({
  ...quantiserEncoder,
  codeSize: z
    .number()
    .int()
    .min(1)
    .max(512)
    .meta({ label: 'Code vector size D', help: 'Values per code vector: the encoder gives positions × D.', step: 1 }),
  codebookSize: z
    .number()
    .int()
    .min(2)
    .max(8192)
    .meta({ label: 'Codebook size K', help: 'Number of codebook vectors (one code would carry nothing).', step: 1 }),
  commitment: z.number().min(0).max(10).meta({
    label: 'Commitment weight β',
    help: 'Weight of ||z_e − sg[e]||²; the paper uses 0.25.',
    widget: 'slider',
    step: 0.01,
    sliderMax: 2,
    scalesLoss: true,
  }),
  /**
   * 'ema': the codebook follows the running means of the encoder outputs assigned to each code (van den Oord et al.
   * 2017, appendix A.1; Laplace-smoothed counts as in Sonnet's VectorQuantizerEMA) instead of the codebook loss.
   */
  codebookUpdate: z.enum(['loss', 'ema']).optional().meta({
    label: 'Codebook update',
    help: 'loss: ‖sg[z_e] − e‖² (the default); ema: exponential moving averages (decay 0.99).',
    unset: 'loss',
    // With EMA the loss has no codebook term: runs that differ in it report losses of different objectives.
    scalesLoss: true,
  }),
  emaDecay: z
    .number()
    .min(0.5)
    .max(0.9999)
    .optional()
    .meta({
      label: 'EMA decay γ',
      help: 'The paper uses 0.99.',
      step: 0.001,
      unset: String(defaultEmaDecay),
      readWith: { field: 'codebookUpdate', values: ['ema'] },
    }),
  /**
   * 'kmeans': before the first step, the codebook is placed by k-means on up to 16,384 of the untrained encoder's
   * outputs for training images (K distinct outputs drawn at random where K·D makes k-means too slow): a one-shot
   * form of the data-dependent initialisation of Łańcucki et al. 2020, "Robust training of vector quantized bottleneck
   * models" (who repeat k-means++ on recent outputs during training), and of vector-quantize-pytorch's kmeans_init
   * (k-means on the first batch), so every code starts where the encoder's outputs are.
   * Absent: uniform in ±1/K, as the common PyTorch VQ-VAE code (zalandoresearch/pytorch-vq-vae): every code starts near
   * 0, away from the outputs, and on small data the first steps can blow up before they meet (the MLP preset on
   * 2,000 MNIST images: batch loss 0.37 → 22 in the first epoch).
   */
  codebookInit: z.enum(['uniform', 'kmeans']).optional().meta({
    label: 'Codebook start',
    help: 'kmeans: k-means on the untrained encoder’s outputs (the presets); uniform or none: ±1/K.',
    unset: 'uniform',
  }),
  reseedDeadCodes: z
    .boolean()
    .meta({ label: 'Re-seed dead codes', help: 'Each epoch, codes no input chose are moved onto random encoder outputs.' }),
  ...quantiserDecoder,
});
export type VqVaeModel = z.infer<typeof vqVaeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });
/** The architecture view of a VQ-VAE for shape checks: its "latent" is the quantised code, positions × D values. */
export const vqArchitecture = (m: VqVaeModel) => ({
  encoder: m.encoder,
  decoder: m.decoder,
  latentSize: m.positions * m.codeSize,
});

/**
 * The code positions as a grid [height, width] in raster order, what a learned prior runs its causal convolutions
 * over: the decoder's first reshape when it lays the positions out as a map ([7, 7, D] for 49 positions), else the
 * most nearly square factorisation (16 positions: 4 × 4).
 */
export function codeGridShape(m: Pick<VqVaeModel, 'positions' | 'codeSize' | 'decoder'>): [number, number] {
  const first = m.decoder[0];
  if (first?.type === 'reshape' && first.shape[0] * first.shape[1] === m.positions && first.shape[2] === m.codeSize) {
    return [first.shape[0], first.shape[1]];
  }
  let h = Math.floor(Math.sqrt(m.positions));
  while (m.positions % h !== 0) h--;
  return [h, m.positions / h];
}

const shapes = checkArchitecture<VqVaeModel & { latentSize: number }>();

const vqMlp: VqVaeModel = {
  encoder: [dense(512)],
  positions: 16,
  codeSize: 8,
  codebookSize: 64,
  commitment: 0.25,
  codebookInit: 'kmeans',
  reseedDeadCodes: true,
  decoder: [dense(512)],
  outputActivation: 'sigmoid',
};

export const vqVaeSpec = {
  id: 'vq-vae',
  label: 'VQ-VAE (vector-quantised)',
  summary:
    'Encoder outputs snapped to the nearest of K learned codebook vectors; straight-through gradients, codebook and commitment losses.',
  ...quantiserSpec,
  objective: 'rec + codebook + β·commit',
  // With EMA updates the codebook follows its codes' means, and the loss trains only the encoder's commitment.
  objectiveOf: (m: VqVaeModel) => (m.codebookUpdate === 'ema' ? 'rec + β·commit (codebook by EMA)' : 'rec + codebook + β·commit'),
  metrics: [...quantiserMetrics, { name: 'codebook', label: 'codebook loss' }, { name: 'commitment', label: 'commitment loss' }],
  views: quantiserViews(),
  modelSchema: vqVaeModel,
  defaultModel: vqMlp,
  checkModel: (model, ctx, issue) => shapes({ ...model, ...vqArchitecture(model) }, ctx, issue),
  architecture: (m) => ({
    body: vqArchitecture(m),
    extras: [{ where: 'codebook', label: `codebook ${m.codebookSize} × ${m.codeSize}`, shape: [m.codebookSize, m.codeSize] }],
    perImageValues: quantiserValues(m.positions, m.codebookSize),
  }),
  codeGrid: (m) => ({ grid: codeGridShape(m), codebookSize: m.codebookSize }),
  presets: [
    {
      name: 'vq-vae-mlp',
      description:
        'MLP VQ-VAE: 16 code positions of size 8, a codebook of 64 vectors placed by k-means on the encoder’s outputs, β = 0.25, dead codes re-seeded.',
      model: vqMlp,
    },
    {
      name: 'vq-vae-mlp-ema',
      description:
        'The MLP VQ-VAE with EMA codebook updates (van den Oord et al. 2017, appendix A.1: γ = 0.99), the usual way to train one.',
      model: { ...vqMlp, codebookUpdate: 'ema', emaDecay: 0.99 },
    },
    {
      name: 'vq-vae-conv',
      description: 'Convolutional VQ-VAE: conv 32 s2, conv 64 s2 to 49 positions of size 16 (a 7×7 map), K = 128.',
      model: {
        encoder: [
          { type: 'conv', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'conv', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
        ],
        positions: 49,
        codeSize: 16,
        codebookSize: 128,
        commitment: 0.25,
        codebookInit: 'kmeans',
        reseedDeadCodes: true,
        decoder: [
          { type: 'reshape', shape: [7, 7, 16] },
          { type: 'convTranspose', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'convTranspose', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
        ],
        outputActivation: 'sigmoid',
      },
    },
  ],
} satisfies FamilySpec<VqVaeModel>;

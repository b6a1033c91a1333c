import { z } from 'zod';
import { checkArchitecture } from '../common-spec';
import type { FamilySpec } from '../family-spec';
import type { LayerSpec } from '../layers';
import {
  codeGridShape,
  quantiserDecoder,
  quantiserEncoder,
  quantiserMetrics,
  quantiserSpec,
  quantiserViews,
} from '../vq-vae/spec';
import { quantiserValues } from '../memory';

/**
 * Residual VQ (Lee et al. 2022, "Autoregressive Image Generation using Residual Quantization", §3.1; Zeghidour et al.
 * 2021's RVQ): each of the encoder's `positions` vectors is quantised N times over, quantiser d taking the nearest
 * code to what the first d − 1 left (r_d = r_{d−1} − e(k_d)), the code their sum. Codebooks follow EMAs, codes no
 * input chose restart on the batch's residuals (the authors' code), and the encoder commits to every partial sum.
 */
export const rqVaeModel = z.strictObject({
  ...quantiserEncoder,
  codeSize: z.number().int().min(1).max(512).meta({ label: 'Code vector size D', step: 1 }),
  codebookSize: z
    .number()
    .int()
    .min(2)
    .max(8192)
    .meta({ label: 'Codebook size K', help: 'Vectors in each quantiser’s codebook.', step: 1 }),
  quantizers: z
    .number()
    .int()
    .min(1)
    .max(16)
    .meta({ label: 'Quantisers N (depth)', help: 'Residual quantisers per position; 1 is the VQ-VAE with EMA.', step: 1 }),
  sharedCodebook: z.boolean().meta({
    label: 'One codebook for every depth',
    help: 'Lee et al. share one; RVQ (Zeghidour et al.) gives each quantiser its own.',
  }),
  commitment: z.number().min(0).max(10).meta({
    label: 'Commitment weight β',
    help: 'Weight of Σ_d ||z_e − sg[ẑ^(d)]||² over the partial sums; the paper uses 0.25.',
    widget: 'slider',
    step: 0.01,
    sliderMax: 2,
    scalesLoss: true,
  }),
  emaDecay: z.number().min(0.5).max(0.9999).meta({ label: 'EMA decay γ', help: 'The paper uses 0.99.', step: 0.001 }),
  ...quantiserDecoder,
});
export type RqVaeModel = z.infer<typeof rqVaeModel>;

export const rqArchitecture = (m: RqVaeModel) => ({
  encoder: m.encoder,
  decoder: m.decoder,
  latentSize: m.positions * m.codeSize,
});

const shapes = checkArchitecture<RqVaeModel & { latentSize: number }>();
const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const rqMlp: RqVaeModel = {
  encoder: [dense(512)],
  positions: 16,
  codeSize: 8,
  codebookSize: 64,
  quantizers: 4,
  sharedCodebook: true,
  commitment: 0.25,
  emaDecay: 0.99,
  decoder: [dense(512)],
  outputActivation: 'sigmoid',
};

export const rqVaeSpec = {
  id: 'rq-vae',
  label: 'RQ-VAE (residual vector quantisation)',
  summary:
    'Each code vector quantised N times over, each quantiser coding what the last left (Lee et al. 2022): K^N codes per position from N·K vectors.',
  ...quantiserSpec,
  objective: 'rec + β·Σ_d commit_d',
  metrics: [
    ...quantiserMetrics.map((m) => ({ ...m, label: `${m.label} (mean over depths)` })),
    { name: 'commitment', label: 'commitment loss' },
    { name: 'residual', label: 'residual left after the last quantiser' },
  ],
  views: [
    ...quantiserViews('Codebook usage (every depth)', 'PixelCNN over positions × depths'),
    {
      kind: 'depth-reconstructions',
      title: 'Reconstructions from the first d quantisers (rows: d = 1…N)',
      view: 'image-grid',
      wide: true,
    },
  ],
  modelSchema: rqVaeModel,
  defaultModel: rqMlp,
  checkModel: (model, ctx, issue) => shapes({ ...model, ...rqArchitecture(model) }, ctx, issue),
  architecture: (m) => {
    const books = m.sharedCodebook ? 1 : m.quantizers;
    return {
      body: rqArchitecture(m),
      extras: [
        {
          where: 'codebook',
          label: `${m.sharedCodebook ? 'codebook (shared)' : 'codebooks'} ${books} × ${m.codebookSize} × ${m.codeSize}`,
          shape: [books, m.codebookSize, m.codeSize],
        },
      ],
      // Each depth quantises every position against its codebook.
      perImageValues: m.quantizers * quantiserValues(m.positions, m.codebookSize),
    };
  },
  // Each position's codes side by side along its row (the model's codeGrid: the RQ-Transformer's order).
  codeGrid: (m) => {
    const [h, w] = codeGridShape({ positions: m.positions, codeSize: m.codeSize, decoder: m.decoder });
    return { grid: [h, w * m.quantizers], codebookSize: m.codebookSize, codebooks: m.sharedCodebook ? 1 : m.quantizers };
  },
  presets: [
    {
      name: 'rq-vae-mlp',
      description:
        'MLP RQ-VAE: 16 positions of size 8, 4 residual quantisers sharing a codebook of 64 (Lee et al. 2022: shared codebook, EMA 0.99, β = 0.25).',
      model: rqMlp,
    },
    {
      name: 'rq-vae-conv',
      description: 'Convolutional RQ-VAE: conv 32 s2, conv 64 s2 to a 7×7 map of size 16, depth 4, a shared codebook of 128.',
      model: {
        ...rqMlp,
        encoder: [
          { type: 'conv', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'conv', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
        ],
        positions: 49,
        codeSize: 16,
        codebookSize: 128,
        decoder: [
          { type: 'reshape', shape: [7, 7, 16] },
          { type: 'convTranspose', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'convTranspose', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
        ],
      },
    },
  ],
} satisfies FamilySpec<RqVaeModel>;

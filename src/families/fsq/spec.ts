import { z } from 'zod';
import { checkArchitecture } from '../common-spec';
import type { FamilySpec, ModelCheck } from '../family-spec';
import type { LayerSpec } from '../layers';
import {
  codeGridShape,
  quantiserDecoder,
  quantiserEncoder,
  quantiserMetrics,
  quantiserSpec,
  quantiserViews,
} from '../vq-vae/spec';

/** The most codes (Π levels) a grid position may have: what a learned prior's softmax can still cover. */
export const fsqMaxCodes = 8192;

/**
 * FSQ (Mentzer et al. 2023, "Finite Scalar Quantization: VQ-VAE Made Simple"): each of the encoder's `positions`
 * vectors has one channel per level L_i, bounded to L_i values and rounded, straight through. The implied codebook is
 * the grid of Π L_i points: nothing to learn, nothing to collapse, no codebook or commitment loss.
 */
export const fsqModel = z.strictObject({
  ...quantiserEncoder,
  levels: z.array(z.number().int().min(2).max(64)).min(1).max(8).meta({
    label: 'Levels L_i',
    help: 'Values each channel of a code vector takes; the codebook has Π L_i codes. The paper: 8,5,5,5 for 2¹⁰ codes.',
  }),
  /**
   * 'batch': each code channel standardised (batch moments in training, running ones at test, no learned scale)
   * before the bound. Not in the paper, whose encoders are deep convolutional nets: measured here, an MLP encoder's
   * codes all drift to one grid point within 30 steps (every channel saturates; the loss stays at the mean image's),
   * and standardising keeps them spread over the levels.
   */
  normalise: z.enum(['batch', 'none']).meta({
    label: 'Standardise the code',
    help: 'batch: each channel standardised over the batch before the bound (keeps codes from collapsing); none: the paper’s bare bound.',
  }),
  ...quantiserDecoder,
});
export type FsqModel = z.infer<typeof fsqModel>;

export const fsqCodebookSize = (levels: number[]) => levels.reduce((a, b) => a * b, 1);

/** The architecture for shape checks: its "latent" is the quantised code, positions × channels values. */
export const fsqArchitecture = (m: FsqModel) => ({
  encoder: m.encoder,
  decoder: m.decoder,
  latentSize: m.positions * m.levels.length,
});

const shapes = checkArchitecture<FsqModel & { latentSize: number }>();
const checkFsq: ModelCheck<FsqModel> = (model, ctx, issue) => {
  shapes({ ...model, ...fsqArchitecture(model) }, ctx, issue);
  const codes = fsqCodebookSize(model.levels);
  if (codes > fsqMaxCodes)
    issue(
      ['model', 'levels'],
      `levels ${model.levels.join(',')} make ${codes} codes; at most ${fsqMaxCodes} (a learned prior's softmax)`,
    );
};

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

const fsqMlp: FsqModel = {
  encoder: [dense(512)],
  positions: 16,
  levels: [8, 5, 5, 5],
  normalise: 'batch',
  decoder: [dense(512)],
  outputActivation: 'sigmoid',
};

export const fsqSpec = {
  id: 'fsq',
  label: 'FSQ (finite scalar quantization)',
  summary:
    'Each code channel bounded and rounded to a few levels, straight through (Mentzer et al. 2023): a fixed grid codebook, no codebook loss.',
  ...quantiserSpec,
  objective: 'rec',
  metrics: quantiserMetrics,
  views: quantiserViews(),
  modelSchema: fsqModel,
  defaultModel: fsqMlp,
  checkModel: checkFsq,
  architecture: (m) => ({ body: fsqArchitecture(m) }),
  codeGrid: (m) => ({
    grid: codeGridShape({ positions: m.positions, codeSize: m.levels.length, decoder: m.decoder }),
    codebookSize: fsqCodebookSize(m.levels),
  }),
  presets: [
    {
      name: 'fsq-mlp',
      description: 'MLP FSQ with the paper’s levels for 2¹⁰ codes (Mentzer et al. 2023, table 1: 8,5,5,5) at 16 code positions.',
      model: fsqMlp,
    },
    {
      name: 'fsq-mlp-64',
      description: 'MLP FSQ with 64 codes (levels 4,4,4) at 16 positions: the code budget of the vq-vae-mlp preset, to compare.',
      model: { ...fsqMlp, levels: [4, 4, 4] },
    },
    {
      name: 'fsq-conv',
      description: 'Convolutional FSQ: conv 32 s2, conv 64 s2 to a 7×7 map of 4 channels, levels 8,5,5,5 (1,000 codes).',
      model: {
        encoder: [
          { type: 'conv', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'conv', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
        ],
        positions: 49,
        levels: [8, 5, 5, 5],
        normalise: 'batch',
        decoder: [
          { type: 'reshape', shape: [7, 7, 4] },
          { type: 'convTranspose', filters: 64, kernel: 3, stride: 2, activation: 'relu' },
          { type: 'convTranspose', filters: 32, kernel: 3, stride: 2, activation: 'relu' },
        ],
        outputActivation: 'sigmoid',
      },
    },
  ],
} satisfies FamilySpec<FsqModel>;

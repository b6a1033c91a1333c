import { z } from 'zod';
import type { FamilySpec } from '../../../src/families/family-spec';

/**
 * A family written as a test fixture, to prove that a family owns its knowledge: this folder and the two lines of
 * ./index.ts are all it takes to train it through the real worker and to show its metrics and views.
 *
 * The tied-weights autoencoder: one matrix W both ways, code h = relu(xW + b), x̂ = σ(hWᵀ + c).
 */
export const tiedAeModel = z.strictObject({
  codeSize: z.number().int().min(1).max(256).meta({ label: 'Code size', help: 'Units of the code h.', step: 1 }),
});
export type TiedAeModel = z.infer<typeof tiedAeModel>;

export const tiedAeSpec = {
  id: 'tied-ae-fixture',
  label: 'Tied-weights autoencoder (test fixture)',
  summary: 'One weight matrix W for both ways: h = relu(xW + b), x̂ = σ(hWᵀ + c).',
  lossUnit: 'per pixel',
  modelSchema: tiedAeModel,
  defaultModel: { codeSize: 16 },
  defaultTraining: { loss: 'bce' },
  presets: [{ name: 'tied-ae-fixture-16', description: 'A 16-unit tied-weights autoencoder.', model: { codeSize: 16 } }],
  metrics: [
    { name: 'dead_units', label: 'dead code units', format: 'count', outOf: 'code_mean', headline: true },
    { name: 'code_mean', label: 'mean activation per code unit', perDimension: 'code_mean_' },
  ],
  views: [
    { kind: 'tied-filters', title: 'Tied filters (columns of W)', view: 'image-grid' },
    { kind: 'code-means', title: 'Mean activation per code unit', view: 'bars', metric: 'code_mean', dimensionLabel: 'h' },
  ],
} satisfies FamilySpec<TiedAeModel>;

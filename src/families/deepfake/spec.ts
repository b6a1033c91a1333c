import { z } from 'zod';
import { checkArchitecture, outputActivation } from '../common-spec';
import type { FamilySpec, ModelCheck } from '../family-spec';
import { LayerStack, type LayerSpec } from '../layers';

/**
 * The deepfake set-up (seed 000): one shared encoder, one decoder per identity. Each decoder learns to draw
 * its identity from the shared code; the swap encodes an image of A and decodes it with B's decoder.
 * Identities A and B are two data sets (dataset.name and dataset.second, e.g. faces-a and faces-b) or the
 * data set's two classes (dataset.classes, e.g. two digits).
 */
export const deepfakeModel = z.strictObject({
  encoder: LayerStack.meta({
    label: 'Shared encoder',
    help: 'Layers from the image; a dense code layer follows.',
    widget: 'stack',
  }),
  latentSize: z.number().int().min(1).max(1024).meta({ label: 'Latent size', step: 1 }),
  decoder: LayerStack.meta({
    label: 'Decoder (one per identity)',
    help: 'Both decoders have this architecture and their own weights.',
    widget: 'stack',
  }),
  outputActivation,
});
export type DeepfakeModel = z.infer<typeof deepfakeModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });
const mlp: DeepfakeModel = {
  encoder: [dense(512), dense(128)],
  latentSize: 32,
  decoder: [dense(128), dense(512)],
  outputActivation: 'sigmoid',
};

const shapes = checkArchitecture<DeepfakeModel>();
const checkDeepfake: ModelCheck<DeepfakeModel> = (model, ctx, issue) => {
  if (ctx.classes !== 2) {
    issue(
      ['dataset', 'classes'],
      'the deepfake set-up needs two image sets A and B: name a second data set (dataset.second), or two labels in dataset.classes, e.g. [3, 8]',
    );
  }
  shapes(model, ctx, issue);
};

export const deepfakeSpec = {
  id: 'deepfake',
  label: 'Deepfake (shared encoder, two decoders)',
  summary: 'One encoder for both identities, a decoder for each; swap = encode A, decode with B’s decoder.',
  lossUnit: 'per pixel',
  // The shared code, decoded by A's and by B's decoder side by side: a swap steered by hand.
  explorer: { decoders: ['a', 'b'] },
  metrics: [
    { name: 'swap_mse', label: 'swap MSE vs true twin', headline: true, testOnly: true, needs: 'twinSets' },
    { name: 'twin_mse', label: 'no-swap MSE (input vs twin)', testOnly: true, needs: 'twinSets' },
  ],
  views: [
    { kind: 'swap-a', title: 'Decoder swap: A → B', view: 'image-grid' },
    { kind: 'swap-b', title: 'Decoder swap: B → A', view: 'image-grid' },
  ],
  datasetPairing: {
    name: 'deepfake',
    help: 'One shared encoder, a decoder per identity: this set is identity A, the second set identity B.',
  },
  modelSchema: deepfakeModel,
  defaultModel: mlp,
  checkModel: checkDeepfake,
  architecture: (m) => ({ body: m, decoders: 2 }),
  defaultTraining: { loss: 'bce' },
  defaultDataset: { classes: [3, 8] },
  presets: [
    {
      name: 'deepfake-digits-3-8',
      description: 'Identities A = digit 3 and B = digit 8 of MNIST; MLP encoder 512-128-32.',
      model: mlp,
    },
  ],
} satisfies FamilySpec<DeepfakeModel>;

import { z } from 'zod';
import { outputActivation } from '../common-spec';
import type { FamilySpec } from '../family-spec';

/**
 * Stacked autoencoder (seed 000): greedy layer-wise pretraining (an AE on x, freeze, an AE on its codes, …),
 * then end-to-end fine-tuning for `training.epochs`, then a classifier on N labels per class, compared with
 * the same classifier trained from scratch on the same labels (semi-supervised learning).
 */
export const stackedAeModel = z.strictObject({
  widths: z.array(z.number().int().min(1).max(4096)).min(1).max(6).meta({
    label: 'Layer widths',
    help: 'One autoencoder per width, trained in turn on the codes of the previous; the last width is the code.',
    widget: 'widths',
    placeholder: 'e.g. 256, 64',
  }),
  activation: z.enum(['relu', 'sigmoid', 'tanh', 'elu']).meta({ label: 'Activation' }),
  outputActivation,
  pretrainEpochs: z.number().int().min(1).max(100).meta({ label: 'Pretraining epochs per layer', step: 1 }),
  labelsPerClass: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .meta({ label: 'Labels per class', help: 'N labelled images of each class for the classifier.', step: 1 }),
  classifierEpochs: z.number().int().min(1).max(2000).meta({ label: 'Classifier epochs', step: 10 }),
});
export type StackedAeModel = z.infer<typeof stackedAeModel>;

// Sigmoid units as in the classic stacked autoencoders (Bengio et al. 2007); with ReLU the pretrained start did not help here.
const lecture: StackedAeModel = {
  widths: [256, 64],
  activation: 'sigmoid',
  outputActivation: 'sigmoid',
  pretrainEpochs: 3,
  labelsPerClass: 10,
  classifierEpochs: 100,
};

export const stackedAeSpec = {
  id: 'stacked-ae',
  label: 'Stacked autoencoder (greedy, semi-supervised)',
  summary:
    'Greedy layer-wise pretraining, fine-tuning, then a classifier on N labels per class compared with the same classifier from scratch.',
  lossUnit: 'per pixel (per phase)',
  objective: 'phase loss',
  pretrainingEpochs: (m: StackedAeModel) => m.widths.length * m.pretrainEpochs,
  // Layer l pretrains over epochs [l·P, (l+1)·P), then the whole stack fine-tunes (model.ts).
  phases: (m: StackedAeModel) => [
    ...m.widths.slice(1).map((_, i) => ({ epoch: (i + 1) * m.pretrainEpochs, label: `layer ${i + 2}` })),
    { epoch: m.widths.length * m.pretrainEpochs, label: 'fine-tuning' },
  ],
  metrics: [
    { name: 'accuracy_pretrained', label: 'accuracy, pretrained', format: 'percent', headline: true, afterTraining: true },
    { name: 'accuracy_scratch', label: 'accuracy, from scratch', format: 'percent', afterTraining: true },
    { name: 'labelled_images', label: 'labelled images', format: 'count', afterTraining: true },
  ],
  modelSchema: stackedAeModel,
  defaultModel: lecture,
  checkModel: (model, ctx, issue) => {
    if (ctx.classes < 2) issue(['dataset', 'classes'], 'the semi-supervised classifier needs a labelled data set');
    if (ctx.training.loss === 'bce' && model.outputActivation !== 'sigmoid') {
      issue(['model', 'outputActivation'], 'BCE needs outputs in (0,1): choose the sigmoid output activation or another loss');
    }
  },
  // The stack, unrolled: dense layers of the widths down to the code, and back up.
  architecture: (m) => {
    const hidden = m.widths.slice(0, -1).map((units) => ({ type: 'dense' as const, units, activation: m.activation }));
    return { body: { encoder: hidden, latentSize: m.widths.at(-1) ?? 1, decoder: [...hidden].reverse() } };
  },
  presets: [
    {
      name: 'stacked-ae-784-256-64',
      description:
        'Greedy 784-256-64 (sigmoid), 3 epochs per layer, then a classifier on 10 labels per class vs the same from scratch.',
      model: lecture,
    },
  ],
} satisfies FamilySpec<StackedAeModel>;

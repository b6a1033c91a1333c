import { checkArchitecture } from '../common-spec';
import type { FamilySpec, ModelCheck } from '../family-spec';
import {
  checkCapacity,
  klWarmupMetric,
  vaeLossSettles,
  vaeMetrics,
  vaeMetricViews,
  vaeModel,
  vaeSpec,
  type VaeModel,
} from '../vae/spec';

/** Conditional VAE (seed 000; Sohn et al. 2015): the one-hot label c joins the encoder's input and z at the decoder. */
const checkCvae: ModelCheck<VaeModel> = (model, ctx, issue) => {
  if (ctx.classes < 2) issue(['dataset', 'classes'], 'a conditional VAE needs a labelled data set with at least two classes');
  // The decoder starts from z and the one-hot label side by side.
  checkArchitecture<VaeModel>(() => ({ codeUnits: 2 * model.latentSize, decoderInput: model.latentSize + ctx.classes }))(
    model,
    ctx,
    issue,
  );
  checkCapacity(model, ctx, issue);
};

export const cvaeSpec = {
  id: 'cvae',
  label: 'Conditional VAE (CVAE)',
  summary: 'A VAE given the label: q(z|x, c) and p(x|z, c). Choose the class, sample z, and the decoder draws that class.',
  lossUnit: 'per image (nats for BCE)',
  objective: 'rec + β·KL',
  lossSettles: vaeLossSettles,
  metrics: [...vaeMetrics, ...klWarmupMetric.metrics],
  unreported: klWarmupMetric.unreported,
  evaluation: { likelihood: true },
  sampling: 'conditional',
  views: [
    ...vaeMetricViews,
    { kind: 'class-samples', title: 'Samples of each class', view: 'image-grid' },
    { kind: 'latent-traversal', title: 'Latent traversal', view: 'image-grid' },
    { kind: 'interpolation', title: 'Interpolation', view: 'image-grid' },
  ],
  modelSchema: vaeModel,
  // A small z leaves the class to the label (with a large z and few epochs, z carries the digit and c is ignored).
  defaultModel: {
    ...vaeSpec.defaultModel,
    encoder: [{ type: 'dense', units: 512, activation: 'relu' }],
    decoder: [{ type: 'dense', units: 512, activation: 'relu' }],
    latentSize: 2,
  },
  checkModel: checkCvae,
  architecture: (m, { classes }) => ({
    body: m,
    codeUnits: 2 * m.latentSize,
    decoderInput: m.latentSize + classes,
    encoderLabels: classes,
  }),
  defaultTraining: { loss: 'bce', batchSize: 128 },
  presets: [
    {
      name: 'cvae-mnist',
      description: 'CVAE 784+10 → 512 → 2-d z; z+10 → 512 → 784, Bernoulli decoder: each row of samples is one digit.',
      model: {
        encoder: [{ type: 'dense', units: 512, activation: 'relu' }],
        latentSize: 2,
        decoder: [{ type: 'dense', units: 512, activation: 'relu' }],
        outputActivation: 'sigmoid',
        beta: 1,
        klWarmupEpochs: 0,
      },
    },
  ],
} satisfies FamilySpec<VaeModel>;

import { z } from 'zod';
import { checkArchitecture, outputActivation } from '../common-spec';
import type { FamilySpec, ModelCheck } from '../family-spec';
import { LayerStack, type LayerSpec } from '../layers';

/**
 * Deep clustering (seed 000, 6.3.3): DEC (Xie et al. 2016) and IDEC (Guo et al. 2017). An autoencoder is first
 * trained on reconstruction alone for `pretrainEpochs`; then k-means on the training codes places K centres μ_j,
 * and the encoder and the centres are trained on KL(P‖Q) between the soft assignments
 * q_ij ∝ (1 + ‖z_i − μ_j‖²/α)^(−(α+1)/2) and the sharpened target p_ij ∝ q_ij²/f_j (f_j = Σ_i q_ij),
 * which is recomputed over the whole training set every `updateInterval` steps. IDEC keeps the reconstruction:
 * rec + γ·KL(P‖Q).
 */
export const deepClusteringModel = z.strictObject({
  encoder: LayerStack.meta({
    label: 'Encoder',
    help: 'Layers from the image towards the code; a linear dense code layer follows (DEC: 500, 500, 2000).',
    widget: 'stack',
  }),
  latentSize: z
    .number()
    .int()
    .min(1)
    .max(1024)
    .meta({ label: 'Latent size', help: 'Width of the code the clusters live in (DEC: 10).', step: 1 }),
  decoder: LayerStack.meta({
    label: 'Decoder',
    help: 'Layers from the code towards the image; an output layer follows.',
    widget: 'stack',
  }),
  outputActivation,
  clusters: z.number().int().min(1).max(1000).optional().meta({
    label: 'Clusters K',
    help: 'Number of cluster centres; unset, the number of label classes of the data set.',
    unset: 'one per class',
    step: 1,
  }),
  alpha: z.number().min(0.01).max(100).meta({
    label: 'Student-t degrees of freedom α',
    help: 'Kernel of the soft assignment: (1 + ‖z − μ‖²/α)^(−(α+1)/2); DEC uses α = 1.',
    step: 0.1,
  }),
  pretrainEpochs: z.number().int().min(0).max(1000).meta({
    label: 'Pretraining epochs',
    help: 'Epochs of reconstruction alone before k-means places the centres; training.epochs of clustering follow.',
    step: 1,
  }),
  variant: z.enum(['dec', 'idec']).meta({
    label: 'Variant',
    help: 'dec: KL(P‖Q) alone once clustering starts (the decoder is dropped); idec: rec + γ·KL(P‖Q), the decoder keeps the code faithful.',
    scalesLoss: true,
  }),
  gamma: z.number().min(0).max(100).meta({
    label: 'IDEC clustering weight γ',
    help: 'Weight of KL(P‖Q) beside the reconstruction in IDEC (Guo et al. use 0.1); unused by DEC.',
    step: 0.01,
    scalesLoss: true,
  }),
  updateInterval: z.number().int().min(1).max(1_000_000).meta({
    label: 'Target update interval T (steps)',
    help: 'The target P is recomputed over the whole training set every T training steps (DEC and IDEC on MNIST: 140).',
    step: 10,
  }),
});
export type DeepClusteringModel = z.infer<typeof deepClusteringModel>;

const dense = (units: number): LayerSpec => ({ type: 'dense', units, activation: 'relu' });

/** d-500-500-2000-10 with ReLU, a linear code and a linear output, as in Xie et al. (2016) and Guo's Keras code. */
const decMnist: DeepClusteringModel = {
  encoder: [dense(500), dense(500), dense(2000)],
  latentSize: 10,
  decoder: [dense(2000), dense(500), dense(500)],
  outputActivation: 'linear',
  alpha: 1,
  // The papers pretrain for about 200 epochs (IDEC) or 50k + 100k steps (DEC); 50 is a studio-sized start.
  pretrainEpochs: 50,
  variant: 'dec',
  gamma: 0.1,
  updateInterval: 140,
};

const decSmall: DeepClusteringModel = {
  encoder: [dense(256), dense(64)],
  latentSize: 10,
  decoder: [dense(64), dense(256)],
  outputActivation: 'sigmoid',
  alpha: 1,
  pretrainEpochs: 5,
  variant: 'dec',
  gamma: 0.1,
  updateInterval: 20,
};

const shapes = checkArchitecture<DeepClusteringModel>();
const checkDeepClustering: ModelCheck<DeepClusteringModel> = (model, ctx, issue) => {
  shapes(model, ctx, issue);
  if (model.clusters !== undefined && model.clusters < 2) {
    issue(['model', 'clusters'], `${model.clusters} cluster cannot split the data: use at least 2`);
  } else if (model.clusters === undefined && ctx.classes < 2) {
    issue(
      ['model', 'clusters'],
      `the data set has ${ctx.classes === 0 ? 'no labels' : 'one class'} to take the number of clusters from: set clusters (at least 2)`,
    );
  }
};

/** k-means places each centre on a training code: k clusters need k images that train (checked before pretraining). */
const checkTrainImages: NonNullable<FamilySpec<DeepClusteringModel>['checkTrainImages']> = (model, ctx, issue) => {
  const k = model.clusters ?? ctx.classes;
  if (k >= 2 && ctx.images < k)
    issue(
      ['model', 'clusters'],
      `${k} clusters${model.clusters === undefined ? ' (one per class)' : ''} need at least ${k} training images for k-means to start from, and the run trains on ${ctx.images}`,
    );
};

export const deepClusteringSpec = {
  id: 'deep-clustering',
  checkTrainImages,
  label: 'Deep clustering (DEC, IDEC)',
  summary:
    'Autoencoder pretraining, k-means on the codes, then the encoder and the cluster centres trained on KL(P‖Q) toward a sharpened target (DEC), or with the reconstruction kept (IDEC).',
  lossUnit: 'per pixel, then KL per image (per phase)',
  objective: 'rec, then KL(P‖Q) (IDEC: rec + γ·KL)',
  pretrainingEpochs: (m: DeepClusteringModel) => m.pretrainEpochs,
  phases: (m: DeepClusteringModel) => (m.pretrainEpochs > 0 ? [{ epoch: m.pretrainEpochs, label: 'clustering' }] : []),
  untrainedDecoder: (m: DeepClusteringModel) =>
    m.variant === 'dec'
      ? 'DEC drops its decoder once clustering starts: the encoder moves on without it, so its reconstructions say nothing of the clustering (IDEC keeps them)'
      : undefined,
  architecture: (m: DeepClusteringModel, { classes }: { classes: number }) => ({
    body: m,
    extras: [
      {
        where: 'cluster_centres',
        label: `cluster centres ${m.clusters ?? classes} × ${m.latentSize}`,
        shape: [m.clusters ?? classes, m.latentSize],
      },
    ],
  }),
  metrics: [
    { name: 'cluster_acc', label: 'cluster accuracy (ACC)', format: 'percent', headline: true, testOnly: true, needs: 'labels' },
    { name: 'cluster_nmi', label: 'cluster NMI', digits: 3, testOnly: true, needs: 'labels' },
    {
      name: 'pretrain_kmeans_acc',
      label: 'AE + k-means ACC (before clustering)',
      format: 'percent',
      testOnly: true,
      needs: 'labels',
    },
    { name: 'pretrain_kmeans_nmi', label: 'AE + k-means NMI (before clustering)', digits: 3, testOnly: true, needs: 'labels' },
    { name: 'clustering', label: 'KL(P‖Q)', unit: 'nats per image' },
    { name: 'reconstruction', label: 'reconstruction' },
  ],
  views: [
    {
      kind: 'cluster-accuracy',
      title: 'Cluster accuracy (test): DEC/IDEC against AE + k-means',
      view: 'parts-chart',
      metrics: ['cluster_acc', 'pretrain_kmeans_acc'],
    },
    { kind: 'cluster-scatter', title: 'Test codes (first two principal components) by cluster', view: 'scatter' },
  ],
  modelSchema: deepClusteringModel,
  defaultModel: decSmall,
  checkModel: checkDeepClustering,
  defaultTraining: { loss: 'mse', batchSize: 256, learningRate: 0.001 },
  presets: [
    {
      name: 'dec-mnist',
      description:
        'DEC (Xie et al. 2016): 784-500-500-2000-10 AE pretrained on MSE, k-means (20 restarts) on the codes, then KL(P‖Q) with α = 1, P updated every 140 steps, batch 256.',
      model: decMnist,
    },
    {
      name: 'idec-mnist',
      description:
        'IDEC (Guo et al. 2017): the DEC network, keeping the decoder: MSE + γ·KL(P‖Q) with γ = 0.1, P updated every 140 steps.',
      model: { ...decMnist, variant: 'idec' },
    },
    {
      name: 'dec-small',
      description:
        'A quick DEC (Xie et al. 2016): 784-256-64-10, 5 pretraining epochs, then KL(P‖Q) with P updated every 20 steps.',
      model: decSmall,
    },
  ],
} satisfies FamilySpec<DeepClusteringModel>;

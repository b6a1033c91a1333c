import { clusteringAccuracy, normalizedMutualInfo } from '../../analysis/clustering';
import { kMeans } from '../../analysis/kmeans';
import type { ImageSplit } from '../../ml/dataset';
import { meanReconstructionLoss } from '../../ml/losses';
import { inInference } from '../../ml/mode';
import { freshVariableName, variableFrom } from '../../ml/ops';
import { deriveSeed } from '../../shared/random';
import { readFloats } from '../../ml/read';
import { forEachBatch, readSplit } from '../../ml/split-pass';
import { tf, type Scalar, type Tensor, type Variable } from '../../ml/tf';
import { buildArchitecture, buildEncoder, summarize } from '../architecture';
import type { BuiltModel, ChartView, FamilyModel, LossResult, Weight } from '../family-model';
import { clusteringLoss, softAssignment, targetDistribution } from './objective';
import { principalComponents, varianceShares } from './pca';
import { deepClusteringSpec, type DeepClusteringModel } from './spec';

/** k-means restarts for the centres, as DEC's and IDEC's code (sklearn KMeans(n_init=20)). */
const kMeansRestarts = 20;

interface Scores {
  acc: number;
  nmi: number;
}

/**
 * DEC and IDEC as one model with two phases. Before the phase change it is an autoencoder; at the first epoch after
 * `pretrainEpochs` (the `beforeEpoch` hook), k-means on the training codes places the centres μ_j, and from then on
 * the encoder and μ train on KL(P‖Q) (DEC) or rec + γ·KL(P‖Q) (IDEC).
 *
 * P as the papers define it: computed from Q over the whole training set every T steps and held fixed in between.
 * A batch does not say which training images it holds, so P is not stored per image: the network it was computed
 * with (a copy of the encoder and the centres, the "target") is kept with the frequencies f_j = Σ_i q_ij summed over
 * the training set, and each batch's p_ij is recomputed from that frozen copy in inference mode (as f_j was), which
 * gives the same values, with dropout or batch norm in the encoder too.
 */
export const deepClusteringFamily: FamilyModel<DeepClusteringModel> = {
  build({ model: m, training, inputShape, seed, classes }): BuiltModel {
    const k = m.clusters ?? classes;
    if (k < 2) throw new Error(`model.clusters: deep clustering needs at least 2 clusters, got ${k}`);
    const d = m.latentSize;
    const pixels = inputShape[0] * inputShape[1] * inputShape[2];
    const { encoder, decoder } = buildArchitecture(inputShape, m, m.outputActivation, seed);
    const targetEncoder = buildEncoder(inputShape, m, seed);
    // Placed by k-means at the phase change; the target's copy is not trained.
    const centres = tf.tidy(() => tf.variable(tf.zeros([k, d]), true, freshVariableName('cluster_centres')));
    const targetCentres = tf.tidy(() => tf.variable(tf.zeros([k, d]), false, freshVariableName('target_cluster_centres')));
    const centresWeight: Weight = { name: 'cluster_centres', shape: [k, d], read: () => centres };
    // Named after the encoder's weights as built (tfjs-layers adds suffixes to repeated names within a process).
    const targetWeights: Weight[] = [
      ...targetEncoder.weights.map((w) => ({ name: `target/${w.originalName}`, shape: w.shape, read: () => w.read() })),
      { name: 'target/cluster_centres', shape: [k, d], read: () => targetCentres },
    ];
    const recon = meanReconstructionLoss(training);
    const encode = (x: Tensor): Tensor => encoder.apply(x) as Tensor;
    const decode = (z: Tensor): Tensor => decoder.apply(z) as Tensor;

    // The family's state beyond its weights (see state()/restore()).
    let clustering = false;
    /** Training steps of the clustering phase so far: P is updated before steps 0, T, 2T, … */
    let clusterStep = 0;
    /** f_j of the target, over the training set at its last update. */
    const frequencies = variableFrom(tf.zeros([k]), false, freshVariableName('target_frequencies'));
    /** Test ACC and NMI of the k-means centres on the pretrained codes: the AE + k-means baseline. */
    let baseline: Scores | null = null;
    /** The training split, from the latest `beforeEpoch`: P's updates sum over it. */
    let trainSplit: ImageSplit | undefined;

    // In inference mode, as f_j was summed (onStep): the target is a fixed network, its dropout off, its batch norm
    // on its moving statistics (which a training-mode pass would move).
    const target = (x: Tensor) =>
      inInference(() =>
        targetDistribution(softAssignment(targetEncoder.apply(x) as Tensor, targetCentres, m.alpha), frequencies),
      );

    /** DEC's target update: the target becomes the current encoder and centres, and f_j is summed over the training set. */
    const updateTarget = (train: ImageSplit) => {
      tf.tidy(() => {
        targetEncoder.weights.forEach((w, i) => {
          const source = encoder.weights[i];
          if (!source) throw new Error('the target encoder does not match the encoder');
          (w.read() as Variable).assign(tf.clone(source.read()));
        });
        targetCentres.assign(tf.clone(centres));
      });
      // Summed on the device, batch by batch: no read back in the training step.
      let sums = tf.keep(tf.zeros([k]));
      forEachBatch(train, pixels, (x) => {
        const q = softAssignment(targetEncoder.apply(x) as Tensor, targetCentres, m.alpha);
        const next = tf.keep(tf.add(sums, tf.sum(q, 0)));
        sums.dispose();
        sums = next;
      });
      frequencies.assign(sums);
      sums.dispose();
    };

    /** The cluster of each image, argmax_j q_ij (the nearest centre). */
    const assignments = async (split: ImageSplit): Promise<Int32Array> =>
      Int32Array.from(await readSplit(split, pixels, 1, (x) => tf.argMax(softAssignment(encode(x), centres, m.alpha), 1)));
    const score = async (split: ImageSplit & { labels: Uint8Array }): Promise<Scores> => {
      const clusters = await assignments(split);
      return { acc: clusteringAccuracy(split.labels, clusters).accuracy, nmi: normalizedMutualInfo(split.labels, clusters) };
    };
    const labelled = (split: ImageSplit): split is ImageSplit & { labels: Uint8Array } => split.labels !== null;

    /** The phase change: k-means (k-means++, 20 restarts, seeded from the run's seed) on the training codes. */
    const placeCentres = async (train: ImageSplit, test: ImageSplit) => {
      if (train.count < k)
        throw new Error(`model.clusters: ${k} clusters need at least ${k} training images, not ${train.count}`);
      const codes = await readSplit(train, pixels, d, encode);
      const fit = kMeans({ values: codes, dim: d }, k, { restarts: kMeansRestarts, seed: deriveSeed(seed, 0xdec) });
      tf.tidy(() => centres.assign(tf.tensor2d(Float32Array.from(fit.centroids), [k, d])));
      clustering = true;
      // Argmax q on these centres is the nearest centroid: the clustering of "pretrained AE + k-means".
      baseline = labelled(test) ? await score(test) : null;
    };

    const trainable = [...encoder.trainableWeights, ...decoder.trainableWeights, centresWeight];
    return {
      totalEpochs: (clusteringEpochs) => deepClusteringSpec.pretrainingEpochs(m) + clusteringEpochs,
      async beforeEpoch(epoch, { train, test }) {
        trainSplit = train;
        if (!clustering && epoch > m.pretrainEpochs) await placeCentres(train, test);
      },
      onStep() {
        if (!clustering) return;
        if (clusterStep % m.updateInterval === 0) {
          if (!trainSplit) throw new Error('deep clustering: the target update needs the training split (beforeEpoch)');
          updateTarget(trainSplit);
        }
        clusterStep++;
      },
      computeLoss(x, training): LossResult {
        const z = encode(x);
        if (!clustering) {
          const reconstruction = recon(x, decode(z));
          return { total: reconstruction, parts: { reconstruction } };
        }
        const kl = clusteringLoss(target(x), softAssignment(z, centres, m.alpha));
        // DEC drops the decoder: it is not run in its training steps, only reported on the test split.
        if (m.variant === 'dec' && training) return { total: kl, parts: { clustering: kl } };
        const reconstruction = recon(x, decode(z));
        const total = m.variant === 'dec' ? kl : tf.add<Scalar>(reconstruction, tf.mul(m.gamma, kl));
        return { total, parts: { reconstruction, clustering: kl } };
      },
      reconstruct: (x) => decode(encode(x)),
      encode,
      decode,
      async epochMetrics({ test }) {
        if (!clustering || !labelled(test)) return {};
        const now = await score(test);
        return {
          cluster_acc: now.acc,
          cluster_nmi: now.nmi,
          ...(baseline ? { pretrain_kmeans_acc: baseline.acc, pretrain_kmeans_nmi: baseline.nmi } : {}),
        };
      },
      async views({ sample, sampleLabels }): Promise<ChartView[]> {
        const n = sample.shape[0] ?? 0;
        const codes = await readFloats(() => encode(sample));
        const clusters = clustering
          ? await readFloats(() => tf.argMax(softAssignment(encode(sample), centres, m.alpha), 1))
          : null;
        const xy = principalComponents(codes, n, d, 2);
        // Each axis's share of the codes' variance, as the explorer's projector gives it.
        const shares = varianceShares(codes, n, d, xy, 2);
        const share = (c: number) => ` (${(100 * (shares[c] ?? 0)).toFixed(1)} %)`;
        return [
          {
            kind: 'cluster-scatter',
            chart: 'scatter',
            caption: clustering
              ? `${n} test codes on their first two principal components, coloured by cluster (argmax q)`
              : `${n} test codes on their first two principal components, coloured by label (no clusters before epoch ${m.pretrainEpochs + 1})`,
            axes: [`PC 1${share(0)}`, `PC 2${share(1)}`],
            points: Array.from({ length: n }, (_, i) => ({
              x: xy[2 * i] as number,
              y: xy[2 * i + 1] as number,
              label: clusters ? (clusters[i] as number) : (sampleLabels[i] ?? 0),
            })),
          },
        ];
      },
      state: async () => ({
        clustering,
        clusterStep,
        frequencies: Array.from(await frequencies.data()),
        baseline,
      }),
      restore(state) {
        clustering = state['clustering'] === true;
        clusterStep = Number(state['clusterStep'] ?? 0);
        const saved = (state['frequencies'] as number[] | undefined) ?? new Array<number>(k).fill(0);
        tf.tidy(() => frequencies.assign(tf.tensor1d(saved)));
        baseline = (state['baseline'] as Scores | null | undefined) ?? null;
      },
      trainableWeights: () => trainable,
      weights: () => [...encoder.weights, ...decoder.weights, centresWeight, ...targetWeights],
      summary: () => [...summarize(encoder, decoder), { name: 'cluster_centres', outputShape: [k, d], params: k * d }],
      layersModels: () => ({ encoder, decoder }),
      // The centres once k-means has placed them (after the pretraining); before, they are zeros and mean nothing.
      exportArrays: (): Record<string, Tensor> => (clustering ? { cluster_centres: centres } : {}),
      clusterOf: () => (clustering ? (z: Tensor) => tf.cast(tf.argMax(softAssignment(z, centres, m.alpha), 1), 'float32') : null),
      exportNotes: () => ({
        encoder: `x → z (${d} columns)`,
        decoder: `z → image, flat${m.variant === 'dec' ? ' (DEC does not train it after the pretraining)' : ''}`,
        ...(clustering
          ? {
              cluster_centres:
                `${k} × ${d}: the cluster centres μ_j; image i's soft assignment q_ij ∝ (1 + ‖z_i − μ_j‖² / α)^(−(α + 1) / 2) ` +
                `with α = ${m.alpha}, its cluster argmax_j q_ij (Xie et al. 2016, eq. 1)`,
            }
          : {}),
      }),
      dispose() {
        encoder.dispose();
        decoder.dispose();
        targetEncoder.dispose();
        tf.dispose([centres, targetCentres, frequencies]);
      },
    };
  },
};

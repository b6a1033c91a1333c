import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../core/datasets/catalog';
import { memorySplit, type ImageDataset } from '../../ml/dataset';
import { selectBackend } from '../../ml/backend';
import { inTraining } from '../../ml/mode';
import type { JsonState, NamedArray } from '../../core/training/checkpoint';
import { deriveSeed } from '../../shared/random';
import { tf, type Variable } from '../../ml/tf';
import { train, type TrainerSnapshot } from '../../core/training/trainer';
import { type DatasetLookup, type TrainingConfig } from '../../shared/config';
import { checkRunConfig, defaultRunConfig, parseRunConfig } from '../run-config';
import { deepClusteringFamily } from './model';
import { clusteringLoss, softAssignment, targetDistribution } from './objective';
import type { DeepClusteringModel } from './spec';

const ignore = { progress: () => undefined, metrics: () => undefined, warn: () => undefined };

describe('DEC’s soft assignment, target distribution and KL(P‖Q)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('match a small example worked by hand', () => {
    // Codes z₁ = (0, 0), z₂ = (2, 0); centres μ₁ = (0, 0), μ₂ = (1, 0); squared distances [[0, 1], [4, 1]].
    const z = tf.tensor2d([0, 0, 2, 0], [2, 2]);
    const centres = tf.tensor2d([0, 0, 1, 0], [2, 2]);
    // α = 1: kernel (1 + d²)^−1 → [[1, 1/2], [1/5, 1/2]]; rows normalised: [[2/3, 1/3], [2/7, 5/7]].
    const q = [
      [2 / 3, 1 / 3],
      [2 / 7, 5 / 7],
    ];
    // f = column sums = [20/21, 22/21]; q²/f = [[7/15, 7/66], [3/35, 75/154]], rows normalised.
    const w = [
      [7 / 15, 7 / 66],
      [3 / 35, 75 / 154],
    ];
    const p = w.map(([a, b]) => [a! / (a! + b!), b! / (a! + b!)]);
    const kl = p.flatMap((row, i) => row.map((v, j) => v * Math.log(v / q[i]![j]!))).reduce((s, v) => s + v, 0) / 2;
    const qT = softAssignment(z, centres, 1);
    const pT = targetDistribution(qT);
    expectClose(qT.arraySync() as number[][], q);
    expectClose(pT.arraySync() as number[][], p);
    expect(clusteringLoss(pT, qT).arraySync()).toBeCloseTo(kl, 6);
    // The target sharpens: each image's larger share grows.
    expect(p[0]![0]).toBeGreaterThan(q[0]![0]!);
    expect(p[1]![1]).toBeGreaterThan(q[1]![1]!);

    // α = 2: kernel (1 + d²/2)^−3/2 → [[1, (3/2)^−3/2], [3^−3/2, (3/2)^−3/2]].
    const k2 = [
      [1, 1.5 ** -1.5],
      [3 ** -1.5, 1.5 ** -1.5],
    ];
    expectClose(
      softAssignment(z, centres, 2).arraySync() as number[][],
      k2.map(([a, b]) => [a! / (a! + b!), b! / (a! + b!)]),
    );
    // Frequencies given (over a whole training set) replace the batch's own column sums.
    const f = tf.tensor1d([1, 3]);
    const w2 = q.map(([a, b]) => [a! ** 2 / 1, b! ** 2 / 3]);
    expectClose(
      targetDistribution(qT, f).arraySync() as number[][],
      w2.map(([a, b]) => [a! / (a! + b!), b! / (a! + b!)]),
    );
    tf.dispose([z, centres, qT, pT, f]);
  });
});

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]![j]!, 6)));
}

describe('the deep-clustering config', () => {
  const lookup =
    (classes: number): DatasetLookup =>
    (name) => ({
      name,
      height: 28,
      width: 28,
      channels: 1,
      trainCount: 60000,
      testCount: 10000,
      classes,
      available: true,
      hint: null,
    });

  it('refuses fewer than 2 clusters, and no cluster count on an unlabelled set, naming model.clusters', () => {
    const config = defaultRunConfig('deep-clustering');
    if (config.family !== 'deep-clustering') throw new Error('unreachable');
    expect(checkRunConfig(config, lookup(10))).toEqual([]);
    config.model.clusters = 1;
    expect(checkRunConfig(config, lookup(10))).toEqual([
      { path: 'model.clusters', message: expect.stringMatching(/at least 2/) },
    ]);
    delete config.model.clusters;
    expect(checkRunConfig(config, lookup(0))).toEqual([
      { path: 'model.clusters', message: expect.stringMatching(/no labels.*set clusters/) },
    ]);
    config.model.clusters = 4;
    expect(checkRunConfig(config, lookup(0))).toEqual([]);
    const parsed = parseRunConfig({ ...config, model: { ...config.model, clusters: 0 } });
    expect(parsed.ok ? [] : parsed.issues.map((i) => i.path)).toEqual(['model.clusters']);
  });
});

/** 8×8 images of noise with a bright 2×2 square in one of three corners: the label is the corner. */
function corners(count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * 64);
  const labels = new Uint8Array(count);
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < count; i++) {
    const label = i % 3;
    labels[i] = label;
    for (let p = 0; p < 64; p++) images[i * 64 + p] = Math.floor(next() * 60);
    const at = [0, 6, 48][label]! + Math.floor(next() * 2);
    for (const o of [0, 1, 8, 9]) images[i * 64 + at + o] = 255;
  }
  return { images, labels };
}

function cornersDataset(): ImageDataset {
  const a = corners(96, 1);
  const b = corners(48, 2);
  return {
    name: 'corners',
    height: 8,
    width: 8,
    channels: 1,
    train: memorySplit(a.images, 64, a.labels),
    test: memorySplit(b.images, 64, b.labels),
    labelNames: null,
    hash: 'x',
  };
}

interface Saved {
  epoch: number;
  step: number;
  weights: NamedArray[];
  snapshot: TrainerSnapshot;
  family: JsonState;
}

describe('a deep-clustering run resumed from a checkpoint', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('continues as the uninterrupted run, from before the phase change and from between two target updates', async () => {
    const dataset = cornersDataset();
    // 6 steps an epoch and P updated every 4: a checkpoint at an epoch's end falls between two updates.
    const training: TrainingConfig = { loss: 'mse', batchSize: 16, epochs: 2, learningRate: 0.05, optimizer: 'sgd', seed: 3 };
    const model: DeepClusteringModel = {
      encoder: [{ type: 'dense', units: 16, activation: 'relu' }],
      latentSize: 2,
      decoder: [{ type: 'dense', units: 16, activation: 'relu' }],
      outputActivation: 'sigmoid',
      alpha: 1,
      pretrainEpochs: 1,
      variant: 'idec',
      gamma: 0.1,
      updateInterval: 4,
    };
    const build = () => deepClusteringFamily.build({ model, training, inputShape: [8, 8, 1], seed: 5, classes: 3 });
    const values = (m: ReturnType<typeof build>) => m.weights().map((w) => Array.from(w.read().dataSync()));

    const whole = build();
    const saved: Saved[] = [];
    const scores: Record<string, number>[] = [];
    await train({
      model: whole,
      dataset,
      training,
      shuffleSeed: 7,
      callbacks: {
        ...ignore,
        epochEnd: async (epoch, step, state) => {
          scores.push((await whole.epochMetrics?.({ test: dataset.test, pixels: 64, twinSets: false })) ?? {});
          const weights = whole.weights().map((w) => {
            const t = w.read();
            return { name: w.name, shape: t.shape, values: Float32Array.from(t.dataSync()) };
          });
          saved.push({ epoch, step, weights, snapshot: await state(), family: (await whole.state?.()) ?? {} });
        },
      },
    });
    expect(Object.keys(scores[0] ?? {})).toEqual([]);
    expect(Object.keys(scores[2] ?? {}).sort()).toEqual([
      'cluster_acc',
      'cluster_nmi',
      'pretrain_kmeans_acc',
      'pretrain_kmeans_nmi',
    ]);
    const expected = values(whole);
    const finalScores = scores.at(-1);
    whole.dispose();

    for (const from of saved.slice(0, 2)) {
      const resumed = build();
      // By position: the names of a second model's layer weights carry tfjs's suffixes within one process.
      resumed.weights().forEach((w, i) => {
        const s = from.weights[i]!;
        (w.read() as Variable).assign(tf.tensor(s.values, s.shape));
      });
      resumed.restore?.(from.family);
      await train({
        model: resumed,
        dataset,
        training,
        shuffleSeed: 7,
        resume: { epoch: from.epoch, step: from.step, ...from.snapshot },
        callbacks: { ...ignore, epochEnd: async () => undefined },
      });
      expect(values(resumed), `resumed after epoch ${from.epoch}`).toEqual(expected);
      expect(await resumed.epochMetrics?.({ test: dataset.test, pixels: 64, twinSets: false })).toEqual(finalScores);
      resumed.dispose();
    }
  });
});

describe('DEC on real MNIST', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('raises the test cluster ACC and NMI above those of the pretrained AE + k-means it starts from', async () => {
    const dataset = loadMnist({ trainSubset: 3000, testSubset: 1000 });
    const training: TrainingConfig = { loss: 'mse', batchSize: 32, epochs: 2, learningRate: 0.002, optimizer: 'adam', seed: 1 };
    const model: DeepClusteringModel = {
      encoder: [
        { type: 'dense', units: 256, activation: 'relu' },
        { type: 'dense', units: 64, activation: 'relu' },
      ],
      latentSize: 10,
      decoder: [
        { type: 'dense', units: 64, activation: 'relu' },
        { type: 'dense', units: 256, activation: 'relu' },
      ],
      outputActivation: 'sigmoid',
      alpha: 1,
      pretrainEpochs: 3,
      variant: 'dec',
      gamma: 0.1,
      updateInterval: 20,
    };
    const built = deepClusteringFamily.build({
      model,
      training,
      inputShape: [28, 28, 1],
      seed: deriveSeed(training.seed, 1),
      classes: 10,
    });
    const scores: Record<string, number>[] = [];
    await train({
      model: built,
      dataset,
      training,
      shuffleSeed: deriveSeed(training.seed, 2),
      callbacks: {
        ...ignore,
        epochEnd: async () =>
          void scores.push((await built.epochMetrics?.({ test: dataset.test, pixels: 784, twinSets: false })) ?? {}),
      },
    });
    built.dispose();
    const last = scores.at(-1) ?? {};
    const [acc, nmi, kmAcc, kmNmi] = ['cluster_acc', 'cluster_nmi', 'pretrain_kmeans_acc', 'pretrain_kmeans_nmi'].map(
      (name) => last[name] ?? NaN,
    ) as [number, number, number, number];
    console.log(
      `MNIST (3000 train, 1000 test): AE + k-means ACC ${kmAcc.toFixed(3)} NMI ${kmNmi.toFixed(3)}; ` +
        `after ${training.epochs} DEC epochs ACC ${acc.toFixed(3)} NMI ${nmi.toFixed(3)}`,
    );
    expect(scores.slice(0, model.pretrainEpochs).every((s) => Object.keys(s).length === 0)).toBe(true);
    expect(kmAcc).toBeGreaterThan(0.3);
    expect(acc).toBeGreaterThan(kmAcc + 0.02);
    expect(nmi).toBeGreaterThan(kmNmi + 0.02);
  });
});

describe('DEC’s target network in a training step', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('runs in inference mode: its batch norm’s moving statistics stay where the online encoder’s move', async () => {
    const dataset = cornersDataset();
    const training: TrainingConfig = { loss: 'mse', batchSize: 16, epochs: 1, learningRate: 0.05, optimizer: 'sgd', seed: 3 };
    const model: DeepClusteringModel = {
      encoder: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'batchNorm' }, { type: 'dropout', rate: 0.5 }],
      latentSize: 2,
      decoder: [{ type: 'dense', units: 16, activation: 'relu' }],
      outputActivation: 'sigmoid',
      alpha: 1,
      pretrainEpochs: 1,
      variant: 'dec',
      gamma: 0.1,
      updateInterval: 4,
    };
    const built = deepClusteringFamily.build({ model, training, inputShape: [8, 8, 1], seed: 5, classes: 3 });
    await built.beforeEpoch?.(2, { train: dataset.train, test: dataset.test });
    built.onStep?.(1);
    const targetStats = () =>
      built
        .weights()
        .filter((w) => w.name.startsWith('target/') && w.name.includes('moving'))
        .map((w) => Array.from(w.read().dataSync()));
    const before = targetStats();
    expect(before).toHaveLength(2);
    const batch = tf.tidy(() => tf.randomUniform([16, 64], 0, 1, 'float32', 9));
    // A training step's forward pass: the online encoder in training mode (its batch norm moves its statistics),
    // the target in inference mode.
    const online = () => built.weights().filter((w) => !w.name.startsWith('target/') && w.name.includes('moving'));
    const onlineBefore = online().map((w) => Array.from(w.read().dataSync()));
    inTraining(1, () => tf.tidy(() => built.computeLoss(batch, true).total));
    expect(online().map((w) => Array.from(w.read().dataSync()))).not.toEqual(onlineBefore);
    expect(targetStats()).toEqual(before);
    built.dispose();
    batch.dispose();
  });
});

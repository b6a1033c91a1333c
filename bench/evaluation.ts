/**
 * Section 7 of `npm run bench` (or alone: npx tsx bench/evaluation.ts): the speed of an evaluation of 10,000 MNIST
 * test codes (clustering + probes), never asserted in tests.
 * 1. The raw-pixel probe's solver on 10,000 × 784 pixels: the sparse solver (standardisation folded into the weights)
 *    against the same solver on densely standardised features (what it did before: every zero made non-zero), in
 *    one run on the same images; their accuracies must agree.
 * 2. An evaluation through the studio's worker of a small AE's 10,000 test codes: the first (which computes the
 *    raw-pixel baselines of these images and this seed) and the second (which keeps them), with the worker's
 *    seconds per part.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accuracy, fitSoftmaxRegression, predictSoftmaxRegression } from '../src/analysis/softmax-regression';
import { loadMnist } from '../src/core/datasets/catalog';
import { fillBatch, type ImageSplit } from '../src/ml/dataset';
import { createStudio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';
import { defaultRunConfig } from '../src/families/run-config';

export interface EvaluationBench {
  probeSolver: { labelsPerClass: number; sparseSeconds: number; denseSeconds: number; sparseAcc: number; denseAcc: number };
  evaluation: {
    trainSeconds: number;
    first: Record<string, number>;
    kept: Record<string, number>;
    figures: Record<string, number>;
  };
}

function pixels(split: ImageSplit, indices: number[]): Float64Array {
  const out = new Float32Array(indices.length * 784);
  fillBatch(split, 784, indices, out);
  return Float64Array.from(out);
}

function firstPerClass(split: ImageSplit, perClass: number): number[] {
  const taken = new Map<number, number>();
  const chosen: number[] = [];
  split.labels?.forEach((l, i) => {
    if ((taken.get(l) ?? 0) < perClass) {
      taken.set(l, (taken.get(l) ?? 0) + 1);
      chosen.push(i);
    }
  });
  return chosen;
}

function standardised(values: Float64Array, n: number, d: number): Float64Array {
  const means = new Float64Array(d);
  const scales = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) means[j]! += values[i * d + j]! / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) scales[j]! += (values[i * d + j]! - means[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scales[j] = scales[j]! > 0 ? Math.sqrt(scales[j]!) : 1;
  return values.map((v, i) => (v - means[i % d]!) / scales[i % d]!);
}

async function probeSolver(labelsPerClass: number): Promise<EvaluationBench['probeSolver']> {
  const mnist = loadMnist();
  const train = firstPerClass(mnist.train, labelsPerClass);
  const x = pixels(mnist.train, train);
  const y = Int32Array.from(train, (i) => mnist.train.labels![i]!);
  const testIndices = Array.from({ length: mnist.test.count }, (_, i) => i);
  const test = pixels(mnist.test, testIndices);
  const testLabels = mnist.test.labels!;
  const options = { inverseRegularisation: 1, maxIterations: 200 };
  let start = performance.now();
  const sparse = fitSoftmaxRegression({ values: x, dim: 784 }, y, { ...options, standardise: true });
  const sparseSeconds = (performance.now() - start) / 1000;
  const sparseAcc = accuracy(predictSoftmaxRegression(sparse, { values: test, dim: 784 }), testLabels);
  // The reference: the features standardised first, densely (the training split's means and scales for both).
  const n = train.length;
  const dense = standardised(x, n, 784);
  const means = new Float64Array(784);
  const scales = new Float64Array(784);
  for (let j = 0; j < 784; j++) {
    for (let i = 0; i < n; i++) means[j]! += x[i * 784 + j]! / n;
    for (let i = 0; i < n; i++) scales[j]! += (x[i * 784 + j]! - means[j]!) ** 2 / n;
    scales[j] = scales[j]! > 0 ? Math.sqrt(scales[j]!) : 1;
  }
  const denseTest = test.map((v, i) => (v - means[i % 784]!) / scales[i % 784]!);
  start = performance.now();
  const reference = fitSoftmaxRegression({ values: dense, dim: 784 }, y, { ...options, standardise: false });
  const denseSeconds = (performance.now() - start) / 1000;
  const denseAcc = accuracy(predictSoftmaxRegression(reference, { values: denseTest, dim: 784 }), testLabels);
  return { labelsPerClass, sparseSeconds, denseSeconds, sparseAcc, denseAcc };
}

async function evaluationThroughStudio(): Promise<EvaluationBench['evaluation']> {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bench-eval-'));
  const studio = createStudio({ dbPath: join(dir, 'studio.db'), launcher: forkLauncher(), transport: 'headless' });
  try {
    const config = defaultRunConfig('autoencoder');
    config.backend = 'wasm';
    config.dataset = { name: 'mnist', trainSubset: 10000 };
    config.model = {
      encoder: [{ type: 'dense', units: 256, activation: 'relu' }],
      latentSize: 10,
      decoder: [{ type: 'dense', units: 256, activation: 'relu' }],
      outputActivation: 'sigmoid',
    };
    config.training = { ...config.training, loss: 'bce', epochs: 2, batchSize: 128, learningRate: 0.002, seed: 1 };
    let start = performance.now();
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const trainSeconds = (performance.now() - start) / 1000;
    const evaluate = async () => {
      start = performance.now();
      const { evaluationId } = await studio.api['evaluations.start']({ runId, what: ['clustering', 'probe'], seed: 0 });
      await studio.evaluations.whenEnded(evaluationId);
      const e = studio.evaluations.get(evaluationId);
      if (e?.status !== 'completed') throw new Error(`evaluation ${evaluationId}: ${e?.status} ${e?.error ?? ''}`);
      return { total: (performance.now() - start) / 1000, ...e.details.seconds, figures: e.figures };
    };
    const { figures, ...first } = await evaluate();
    const again = await evaluate();
    const kept: Record<string, number> = Object.fromEntries(Object.entries(again).filter(([k]) => k !== 'figures')) as never;
    return { trainSeconds, first, kept, figures };
  } finally {
    await studio.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureEvaluation(): Promise<EvaluationBench> {
  return { probeSolver: await probeSolver(1000), evaluation: await evaluationThroughStudio() };
}

export function describeEvaluation(b: EvaluationBench): string[] {
  const p = b.probeSolver;
  const e = b.evaluation;
  const secs = (r: Record<string, number>) =>
    Object.entries(r)
      .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
      .join(', ');
  return [
    `  pixel probe solver, ${p.labelsPerClass} labels per class on 784 pixels: sparse ${p.sparseSeconds.toFixed(1)} s (test ACC ${p.sparseAcc.toFixed(4)}), ` +
      `dense standardised features (before) ${p.denseSeconds.toFixed(1)} s (ACC ${p.denseAcc.toFixed(4)}): ${(p.denseSeconds / p.sparseSeconds).toFixed(1)}× faster`,
    `  AE 784-256-10 trained on 10,000 images × 2 epochs in ${e.trainSeconds.toFixed(0)} s; evaluating its 10,000 test codes (clustering + probes):`,
    `    first evaluation (computes the raw-pixel baselines): ${secs(e.first)}`,
    `    again (baselines kept; goal: under 60 s): ${secs(e.kept)}`,
    `    k-means ACC ${e.figures['kmeans_acc']?.toFixed(3)} (pixels ${e.figures['pixels_kmeans_acc']?.toFixed(3)}), probe at 100 per class ${e.figures['probe_100_acc']?.toFixed(3)} (pixels ${e.figures['pixels_probe_100_acc']?.toFixed(3)})`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of describeEvaluation(await measureEvaluation())) console.log(line);
  process.exit(0);
}

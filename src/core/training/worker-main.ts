/**
 * Entry point of a training worker process (a Node fork under the headless host, an Electron
 * utilityProcess under the app). It owns tfjs; the studio process owns the database.
 */
import { arch, cpus, release, type as osType } from 'node:os';
import { join } from 'node:path';
import type { Environment, MetricPoint } from '../../shared/api';
import { familyModelFor } from '../../families/models';
import type { BuiltModel } from '../../families/family-model';
import { kernelsToTrain, type Architecture } from '../../families/layers';
import {
  classCount,
  fillOneHot,
  meanImage,
  meanImageMse,
  pixelsPerImage,
  fillBatch,
  type ImageDataset,
} from '../datasets/dataset';
import { DatasetCatalog } from '../datasets/catalog';
import { selectBackend } from './backend';
import { writeCheckpoint } from './checkpoint';
import { gridPng } from './images';
import type { FromWorker, ToWorker } from './protocol';
import { deriveSeed } from './random';
import { tf } from './tf';
import { train } from './trainer';

interface ParentPort {
  on(event: 'message', listener: (e: { data: ToWorker }) => void): void;
  postMessage(message: FromWorker): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function post(message: FromWorker): void {
  if (electronPort) electronPort.postMessage(message);
  // A send to a studio that died (EPIPE) ends the worker quietly: nobody is left to train for.
  else process.send?.(message, undefined, {}, (error) => error && process.exit(3));
}

function onMessage(listener: (m: ToWorker) => void): void {
  if (electronPort) electronPort.on('message', (e) => listener(e.data));
  else {
    process.on('message', (m) => listener(m as ToWorker));
    // A forked worker whose studio died (even by SIGKILL) must not train on for nobody.
    process.on('disconnect', () => process.exit(3));
  }
}

/** Lets queued IPC writes drain, then leaves. */
function finish(code: number): void {
  setTimeout(() => process.exit(code), 50);
}

/**
 * The fixed reconstruction panel: ten test images, taking the first image of each class in turn (one of
 * each digit for MNIST, five of each identity for a pair of sets), or the first ten of an unlabelled set.
 */
function panelIndices(ds: ImageDataset, count = 10): number[] {
  const labels = ds.test.labels;
  const n = Math.min(count, ds.test.count);
  if (!labels) return Array.from({ length: n }, (_, i) => i);
  const byClass: number[][] = [];
  labels.forEach((l, i) => (byClass[l] ??= []).push(i));
  const queues = byClass.filter((q) => q !== undefined);
  const picked: number[] = [];
  for (let round = 0; picked.length < n; round++) {
    for (const q of queues) if (picked.length < n && round < q.length) picked.push(q[round] as number);
  }
  return picked;
}

/**
 * Scores the decoder swap on a pair of twin sets: A's test image i decoded by B's decoder should be B's
 * test image i (same factors), and the other way round. `swap_mse` is the mean per-pixel MSE of both
 * directions; `twin_mse` is what no swap at all (returning the input) would score.
 */
function swapScores(model: BuiltModel, ds: ImageDataset, epoch: number, step: number): MetricPoint[] {
  const labels = ds.test.labels;
  if (!labels || !model.swap) return [];
  const a = labels.indexOf(1) < 0 ? ds.test.count : labels.indexOf(1);
  const pairs = Math.min(a, ds.test.count - a, 500);
  if (pairs <= 0) return [];
  const pixels = pixelsPerImage(ds);
  let swapSum = 0;
  let twinSum = 0;
  for (let start = 0; start < pairs; start += 100) {
    const n = Math.min(100, pairs - start);
    const xa = new Float32Array(n * pixels);
    const xb = new Float32Array(n * pixels);
    fillBatch(
      ds.test,
      pixels,
      Array.from({ length: n }, (_, i) => start + i),
      xa,
    );
    fillBatch(
      ds.test,
      pixels,
      Array.from({ length: n }, (_, i) => a + start + i),
      xb,
    );
    const [swap, twin] = tf.tidy(() => {
      const ta = tf.tensor2d(xa, [n, pixels]);
      const tb = tf.tensor2d(xb, [n, pixels]);
      const swapError = tf.add(
        tf.mean(tf.squaredDifference(model.swap!(ta, 1), tb)),
        tf.mean(tf.squaredDifference(model.swap!(tb, 0), ta)),
      );
      return [tf.div(swapError, 2).dataSync()[0] as number, tf.mean(tf.squaredDifference(ta, tb)).dataSync()[0] as number];
    });
    swapSum += swap * n;
    twinSum += twin * n;
  }
  return [
    { step, epoch, split: 'test', name: 'swap_mse', value: swapSum / pairs },
    { step, epoch, split: 'test', name: 'twin_mse', value: twinSum / pairs },
  ];
}

async function runTraining(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const { config, runId } = msg;
  const backend = await selectBackend(config.backend ?? 'auto', kernelsToTrain(config.model as Partial<Architecture>), {
    threads: true,
  });
  const catalog = new DatasetCatalog(msg.datasets.root, msg.datasets);
  const dataset = catalog.open(config.dataset);
  const twins = catalog.isTwinPair(config.dataset);
  const environment: Environment = {
    studioVersion: msg.studioVersion,
    node: process.versions.node,
    electron: process.versions['electron'] ?? null,
    tfjs: tf.version_core,
    backend,
    os: `${osType()} ${release()} ${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    seed: config.training.seed,
    configHash: msg.configHash,
    datasetHash: dataset.hash,
  };
  post({ type: 'started', environment });

  const pixels = pixelsPerImage(dataset);
  const baseline = meanImageMse(dataset.test, pixels, meanImage(dataset.train, pixels));
  post({ type: 'metrics', points: [{ step: 0, epoch: 0, split: 'test', name: 'baseline_mse', value: baseline }] });

  const model = familyModelFor(config).build({
    model: config.model,
    training: config.training,
    inputShape: [dataset.height, dataset.width, dataset.channels],
    seed: deriveSeed(config.training.seed, 1),
    classes: classCount(dataset),
  });

  const panel = panelIndices(dataset);
  const panelPixels = new Float32Array(panel.length * pixels);
  fillBatch(dataset.test, pixels, panel, panelPixels);
  const originals = panel.map((_, i) => panelPixels.subarray(i * pixels, (i + 1) * pixels));
  const checkpointDir = join(msg.checkpointDir, `run-${runId}`);
  const sampleCount = Math.min(1000, dataset.test.count);
  const samplePixels = new Float32Array(sampleCount * pixels);
  // Spread over the whole test split, so both identities of a pair of sets are in the sample.
  const sampleIndices = Array.from({ length: sampleCount }, (_, i) => Math.floor((i * dataset.test.count) / sampleCount));
  fillBatch(dataset.test, pixels, sampleIndices, samplePixels);
  const sampleLabels = sampleIndices.map((i) => dataset.test.labels?.[i] ?? 0);

  const classes = classCount(dataset);
  const panelOneHot = () => {
    const out = new Float32Array(panel.length * Math.max(classes, 1));
    fillOneHot(dataset.test, classes, panel, out);
    return tf.tensor2d(out, [panel.length, Math.max(classes, 1)]);
  };
  const postImage = async (kind: string, caption: string, rows: Float32Array[][], epoch: number, step: number) => {
    const grid = await gridPng(rows, dataset.height, dataset.width, dataset.channels);
    post({
      type: 'artifact',
      artifact: { kind, epoch, step, caption, mime: 'image/png', width: grid.width, height: grid.height, data: grid.png },
    });
  };
  const signatureViews = async (epoch: number, step: number) => {
    if (!model.views) return;
    const panel = tf.tensor2d(panelPixels, [originals.length, pixels]);
    const panelLabels = panelOneHot();
    const sample = tf.tensor2d(samplePixels, [sampleCount, pixels]);
    try {
      for (const view of model.views({ panel, panelLabels, classes, sample, sampleLabels })) {
        if ('rows' in view) await postImage(view.kind, `Epoch ${epoch}: ${view.caption}`, view.rows, epoch, step);
        else {
          const { kind: _kind, caption: _caption, ...chart } = view;
          const data = new TextEncoder().encode(JSON.stringify(chart));
          post({
            type: 'artifact',
            artifact: {
              kind: view.kind,
              epoch,
              step,
              caption: `Epoch ${epoch}: ${view.caption}`,
              mime: 'application/json',
              width: 0,
              height: 0,
              data,
            },
          });
        }
      }
    } finally {
      tf.dispose([panel, panelLabels, sample]);
    }
  };

  await train({
    model,
    dataset,
    training: config.training,
    shuffleSeed: deriveSeed(config.training.seed, 2),
    callbacks: {
      progress: (p) => post({ type: 'progress', progress: { runId, ...p } }),
      metrics: (points: MetricPoint[]) => post({ type: 'metrics', points }),
      warn: (message) => post({ type: 'warning', message }),
      epochEnd: async (epoch, step) => {
        const recon = tf.tidy(
          () =>
            model
              .reconstruct(tf.tensor2d(panelPixels, [panel.length, pixels]), model.conditional ? panelOneHot() : undefined)
              .dataSync() as Float32Array,
        );
        const reconstructed = panel.map((_, i) => recon.subarray(i * pixels, (i + 1) * pixels));
        await postImage(
          'reconstructions',
          `Epoch ${epoch}: test images (top) and their reconstructions (bottom)`,
          [originals, reconstructed],
          epoch,
          step,
        );
        await signatureViews(epoch, step);
        if (twins && model.swap) post({ type: 'metrics', points: swapScores(model, dataset, epoch, step) });
        post({ type: 'checkpoint', checkpoint: writeCheckpoint(checkpointDir, epoch, step, model.weights()) });
      },
    },
  });
  model.dispose();
}

onMessage((msg) => {
  if (msg.type === 'probe') {
    selectBackend(msg.preference, [], { threads: true }).then(
      (backend) => {
        post({ type: 'probed', backend });
        finish(0);
      },
      (e: unknown) => {
        post({ type: 'probeFailed', error: e instanceof Error ? e.message : String(e) });
        finish(1);
      },
    );
    return;
  }
  runTraining(msg).then(
    () => {
      post({ type: 'done' });
      finish(0);
    },
    (e: unknown) => {
      post({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
      finish(1);
    },
  );
});

/**
 * The worker's `train` handler: builds the run's model on its data set (or restores it from a checkpoint), trains
 * it, and posts its progress, metrics, images, signature views and checkpoints as it goes.
 */
import { join } from 'node:path';
import { arch, cpus, release, type as osType } from 'node:os';
import type { Environment, MetricPoint, StoppedEarly } from '../../shared/api';
import { deriveSeed } from '../../shared/random';
import { splitWord } from '../../shared/config';
import { loadFamilyModules } from '../../families/family-modules';
import { epochsBeforeRules } from '../../families/run-config';
import { kernelsToTrain, type Architecture } from '../../families/layers';
import { selectBackend } from '../../ml/backend';
import { classCount, fillBatch, fillOneHot, meanImage, meanImageMse, pixelsPerImage, type ImageDataset } from '../../ml/dataset';
import { readFloats } from '../../ml/read';
import { tf } from '../../ml/tf';
import { DatasetCatalog } from '../datasets/catalog';
import { readCheckpoint, writeCheckpoint } from '../training/checkpoint';
import { bestEpochWatch, checkpointDue } from '../training/checkpoint-policy';
import { gridPng } from '../training/images';
import type { ToWorker } from '../training/protocol';
import { buildModel, modelInputOf, restoreFrom } from '../training/rebuild';
import { stepGate } from '../training/step-gate';
import { train } from '../training/trainer';
import type { WorkerPort } from './port';

/**
 * The fixed reconstruction panel: ten test images, taking the first image of each class in turn (one of
 * each digit for MNIST, five of each identity for a pair of sets), or the first ten of an unlabelled set.
 */
export function panelIndices(ds: ImageDataset, count = 10): number[] {
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

/** The studio's answers at Hyperband's rungs, each awaited by the epoch it is for. */
class RungDecisions {
  readonly #waiting = new Map<number, (stop: boolean) => void>();
  readonly #early = new Map<number, boolean>();
  wait(epoch: number): Promise<boolean> {
    const known = this.#early.get(epoch);
    if (known !== undefined) {
      this.#early.delete(epoch);
      return Promise.resolve(known);
    }
    return new Promise((resolve) => this.#waiting.set(epoch, resolve));
  }
  deliver(epoch: number, stop: boolean): void {
    const resolve = this.#waiting.get(epoch);
    this.#waiting.delete(epoch);
    if (resolve) resolve(stop);
    else this.#early.set(epoch, stop);
  }
}
export const rungDecisions = new RungDecisions();

/** Trains the run; resolves with how it ended early, if early stopping or Hyperband ended it. */
export async function runTraining(
  msg: Extract<ToWorker, { type: 'train' }>,
  post: WorkerPort['post'],
): Promise<{ stoppedEarly?: StoppedEarly; stoppedAtRung?: number }> {
  const { config, runId } = msg;
  const rungs = new Set(msg.rungs ?? []);
  // Families registered outside src/families (LATENT_STUDIO_FAMILY_MODULES, inherited from the studio).
  await loadFamilyModules();
  const backend = await selectBackend(config.backend ?? 'auto', kernelsToTrain(config.model as Partial<Architecture>), {
    threads: true,
    adapter: config.gpuAdapter,
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
    modelInput: modelInputOf(dataset),
  };
  post({ type: 'started', environment });
  const gate = stepGate();
  if (gate && !msg.resume) await gate(0);

  const pixels = pixelsPerImage(dataset);
  const baseline = meanImageMse(dataset.test, pixels, meanImage(dataset.train, pixels));
  post({ type: 'metrics', points: [{ step: 0, epoch: 0, split: 'test', name: 'baseline_mse', value: baseline }] });

  const model = buildModel(config, dataset);
  const resume = msg.resume ? restoreFrom(model, readCheckpoint(msg.resume.path, msg.resume.sha256)) : undefined;
  const lastEpoch = model.totalEpochs?.(config.training.epochs) ?? config.training.epochs;
  let lastCheckpointAt = Date.now();
  // The rules skip a phased family's pretraining, and for the loss a schedule inside it (a KL warm-up).
  const rulesFrom = (metric: string) => epochsBeforeRules(config, metric);
  const keepBest = config.training.checkpoints?.keepBest;
  const bestSoFar = bestEpochWatch(config.training.checkpoints, keepBest ? rulesFrom(keepBest.metric) : 0, (message) =>
    post({ type: 'warning', message }),
  );

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
      for (const view of await model.views({ panel, panelLabels, classes, sample, sampleLabels })) {
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

  const ending = await train({
    ...(resume ? { resume, extendedFrom: msg.resume?.extendedFrom } : {}),
    model,
    dataset,
    training: config.training,
    shuffleSeed: deriveSeed(config.training.seed, 2),
    twinSets: twins,
    rulesFrom,
    callbacks: {
      progress: (p) => post({ type: 'progress', progress: { runId, ...p } }),
      metrics: (points: MetricPoint[]) => post({ type: 'metrics', points }),
      warn: (message) => post({ type: 'warning', message }),
      ...(gate ? { afterStep: gate } : {}),
      epochEnd: async (epoch, step, trainerState, endsEarly, ruled) => {
        const recon = await readFloats(() =>
          model.reconstruct(tf.tensor2d(panelPixels, [panel.length, pixels]), model.conditional ? panelOneHot() : undefined),
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
        // At a rung the studio judges the run by this epoch's metrics (posted above) before it goes on.
        let stop = false;
        if (rungs.has(epoch) && epoch < lastEpoch) {
          post({ type: 'rung', epoch });
          stop = await rungDecisions.wait(epoch);
        }
        // A stopped run (by a rung or early stopping) keeps a checkpoint of the epoch it stopped at: evaluation and
        // export see the weights its curves end with, and an extension continues from there.
        // The best epoch by `keepBest` is kept whether or not the interval falls on it.
        const best = bestSoFar.after(epoch, ruled.metrics, splitWord(ruled.split));
        if (
          stop ||
          endsEarly ||
          best ||
          checkpointDue(config.training.checkpoints, epoch, lastEpoch, (Date.now() - lastCheckpointAt) / 60_000)
        ) {
          const { optimizer, trainer } = await trainerState();
          const weights = await Promise.all(
            model.weights().map(async (w) => {
              const t = w.read();
              return { name: w.name, shape: t.shape, values: Float32Array.from((await t.data()) as Float32Array) };
            }),
          );
          const family = (await model.state?.()) ?? {};
          post({
            type: 'checkpoint',
            checkpoint: writeCheckpoint(checkpointDir, { epoch, step, weights, optimizer, trainer, family }),
          });
          lastCheckpointAt = Date.now();
        }
        return stop ? 'stop' : undefined;
      },
    },
  });
  model.dispose();
  return ending;
}

/**
 * Entry point of a training worker process (a Node fork under the headless host, an Electron
 * utilityProcess under the app). It owns tfjs; the studio process owns the database.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, type as osType } from 'node:os';
import { join } from 'node:path';
import type { Environment, MetricPoint } from '../../shared/api';
import { loadFamilyModules } from '../../families/family-modules';
import { kernelsToTrain, type Architecture } from '../../families/layers';
import { classCount, fillOneHot, meanImage, meanImageMse, pixelsPerImage, fillBatch, type ImageDataset } from '../../ml/dataset';
import { DatasetCatalog } from '../datasets/catalog';
import { selectBackend } from '../../ml/backend';
import { readCheckpoint, writeCheckpoint } from './checkpoint';
import { checkpointDue } from './checkpoint-policy';
import { gridPng } from './images';
import type { FromWorker, ToWorker } from './protocol';
import { deriveSeed } from '../../shared/random';
import { buildModel, restoreFrom } from './rebuild';
import { evaluateModel, testLatents } from '../evaluation/evaluate';
import { sampleRun, trainPrior } from '../prior/worker';
import { decodeRows, describeExplorer, encodeTest, type ExplorerModel } from '../explorer/worker-session';
import { tf, type LayersModel } from '../../ml/tf';
import { stepGate } from './step-gate';
import { train } from './trainer';

interface ParentPort {
  on(event: 'message', listener: (e: { data: ToWorker }) => void): void;
  postMessage(message: FromWorker): void;
}

const electronPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

/** Messages handed to the IPC channel and not yet written to it (a forked worker's sends are asynchronous). */
let unsent = 0;
/** The exit code to leave with once every message is written; null while the worker has work. */
let leaving: number | null = null;

function post(message: FromWorker): void {
  if (electronPort) return electronPort.postMessage(message);
  if (!process.send) return;
  unsent++;
  process.send(message, undefined, {}, (error) => {
    // A send to a studio that died (EPIPE) ends the worker quietly: nobody is left to train for.
    if (error) process.exit(3);
    unsent--;
    if (unsent === 0 && leaving !== null) process.exit(leaving);
  });
}

function onMessage(listener: (m: ToWorker) => void): void {
  if (electronPort) electronPort.on('message', (e) => listener(e.data));
  else {
    process.on('message', (m) => listener(m as ToWorker));
    // A forked worker whose studio died (even by SIGKILL) must not train on for nobody.
    process.on('disconnect', () => process.exit(3));
  }
}

/**
 * Leaves once every message posted so far is written to the channel. An exit with sends still queued drops
 * them (a run's last images and its `done` under load, seen as a run "interrupted" with exit code 0).
 */
function finish(code: number): void {
  if (electronPort) {
    // utilityProcess's postMessage has no completion callback; give its queue a moment.
    setTimeout(() => process.exit(code), 50);
    return;
  }
  leaving = code;
  if (unsent === 0) process.exit(code);
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

async function runTraining(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const { config, runId } = msg;
  // Families registered outside src/families (LATENT_STUDIO_FAMILY_MODULES, inherited from the studio).
  await loadFamilyModules();
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
  const gate = stepGate();
  if (gate && !msg.resume) await gate(0);

  const pixels = pixelsPerImage(dataset);
  const baseline = meanImageMse(dataset.test, pixels, meanImage(dataset.train, pixels));
  post({ type: 'metrics', points: [{ step: 0, epoch: 0, split: 'test', name: 'baseline_mse', value: baseline }] });

  const model = buildModel(config, dataset);
  const resume = msg.resume ? restoreFrom(model, readCheckpoint(msg.resume.path, msg.resume.sha256)) : undefined;
  const lastEpoch = model.totalEpochs?.(config.training.epochs) ?? config.training.epochs;
  let lastCheckpointAt = Date.now();

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
    ...(resume ? { resume } : {}),
    model,
    dataset,
    training: config.training,
    shuffleSeed: deriveSeed(config.training.seed, 2),
    callbacks: {
      progress: (p) => post({ type: 'progress', progress: { runId, ...p } }),
      metrics: (points: MetricPoint[]) => post({ type: 'metrics', points }),
      warn: (message) => post({ type: 'warning', message }),
      ...(gate ? { afterStep: gate } : {}),
      epochEnd: async (epoch, step, trainerState) => {
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
        const scores = Object.entries(model.epochMetrics?.({ test: dataset.test, pixels, twinSets: twins }) ?? {});
        if (scores.length > 0) {
          post({ type: 'metrics', points: scores.map(([name, value]) => ({ step, epoch, split: 'test', name, value })) });
        }
        if (checkpointDue(config.training.checkpoints, epoch, lastEpoch, (Date.now() - lastCheckpointAt) / 60_000)) {
          const { optimizer, trainer } = await trainerState();
          const weights = await Promise.all(
            model.weights().map(async (w) => {
              const t = w.read();
              return { name: w.name, shape: t.shape, values: Float32Array.from((await t.data()) as Float32Array) };
            }),
          );
          const family = model.state?.() ?? {};
          post({
            type: 'checkpoint',
            checkpoint: writeCheckpoint(checkpointDir, { epoch, step, weights, optimizer, trainer, family }),
          });
          lastCheckpointAt = Date.now();
        }
      },
    },
  });
  model.dispose();
}

/** Writes a tfjs layers model as model.json + weights.bin (what tf.loadLayersModel reads), no tfjs-node needed. */
async function saveLayersModel(model: LayersModel, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : new Uint8Array();
      writeFileSync(join(dir, 'weights.bin'), weights);
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `Latent Studio, TensorFlow.js ${tf.version_core}`,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      files.push(join(dir, 'model.json'), join(dir, 'weights.bin'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return files;
}

async function runExport(msg: Extract<ToWorker, { type: 'export' }>): Promise<string[]> {
  const { config } = msg;
  await selectBackend(config.backend ?? 'auto', [], { threads: false });
  const dataset = new DatasetCatalog(msg.datasets.root, msg.datasets).open(config.dataset);
  const model = buildModel(config, dataset);
  restoreFrom(model, readCheckpoint(msg.checkpoint.path, msg.checkpoint.sha256));
  const parts = model.layersModels?.();
  if (!parts) throw new Error(`the ${config.family} family has no layers models to export`);
  const files: string[] = [];
  for (const [name, part] of Object.entries(parts)) files.push(...(await saveLayersModel(part, join(msg.outDir, name))));
  model.dispose();
  return files;
}

/** A run's model rebuilt at a checkpoint on its data set, in a worker that evaluates or encodes (no training). */
async function rebuildAt(msg: Extract<ToWorker, { type: 'evaluate' | 'latents' | 'explore' }>) {
  const { config } = msg;
  await loadFamilyModules();
  await selectBackend(config.backend ?? 'auto', [], { threads: true });
  const catalog = new DatasetCatalog(msg.datasets.root, msg.datasets);
  const dataset = catalog.open(config.dataset);
  const model = buildModel(config, dataset);
  restoreFrom(model, readCheckpoint(msg.checkpoint.path, msg.checkpoint.sha256));
  // The interventional scores render from the whole factor distribution: not for a chosen subset of classes or a pair.
  const renderer = config.dataset.second || config.dataset.classes ? null : catalog.generatorOf(config.dataset.name);
  return { model, dataset, factors: catalog.info(config.dataset.name)?.factors ?? [], renderer };
}

async function runEvaluation(msg: Extract<ToWorker, { type: 'evaluate' }>): Promise<FromWorker> {
  const { model, dataset, factors, renderer } = await rebuildAt(msg);
  try {
    return { type: 'evaluated', ...(await evaluateModel(model, msg.config.family, dataset, factors, msg, renderer)) };
  } finally {
    model.dispose();
  }
}

async function runLatents(msg: Extract<ToWorker, { type: 'latents' }>): Promise<FromWorker> {
  const { model, dataset, factors } = await rebuildAt(msg);
  try {
    return { type: 'latents', latents: testLatents(model, msg.config.family, dataset, factors) };
  } finally {
    model.dispose();
  }
}

/** The model of this worker's explorer session, once `explore` has rebuilt it (the worker then stays alive). */
let explorer: Promise<ExplorerModel & { latentSize: number }> | undefined;

function startExplorer(msg: Extract<ToWorker, { type: 'explore' }>): void {
  explorer = rebuildAt(msg).then(({ model, dataset }) => {
    const info = describeExplorer({ model, dataset, family: msg.config.family });
    post({ type: 'explorerReady', explorer: info });
    return { model, dataset, family: msg.config.family, latentSize: info.latentSize };
  });
  // A session that cannot start fails as a job does, and its worker leaves.
  explorer.catch((e: unknown) => {
    post({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
    finish(1);
  });
}

/** One explorer call: its answer, or its failure with its id (a bad call fails alone; the session goes on). */
function explorerCall(id: number, answer: (session: ExplorerModel & { latentSize: number }) => FromWorker): void {
  if (!explorer) return post({ type: 'callFailed', id, error: 'this worker holds no explorer session' });
  explorer.then(
    (session) => {
      let message: FromWorker;
      try {
        message = answer(session);
      } catch (e) {
        message = { type: 'callFailed', id, error: e instanceof Error ? e.message : String(e) };
      }
      post(message);
    },
    () => undefined,
  );
}

/** One request, one answer: the job's reply (or its failure, as the kind's failure message), then the worker leaves. */
function reply(job: Promise<FromWorker>, failure: (error: string) => FromWorker = (error) => ({ type: 'failed', error })): void {
  job.then(
    (answer) => {
      post(answer);
      finish(0);
    },
    (e: unknown) => {
      post(failure(e instanceof Error ? e.message : String(e)));
      finish(1);
    },
  );
}

// The protocol is request/response per job kind, but for an explorer session: `explore`, then calls until `close`.
onMessage((msg) => {
  switch (msg.type) {
    case 'train':
      return reply(runTraining(msg).then(() => ({ type: 'done' })));
    case 'export':
      return reply(runExport(msg).then((files) => ({ type: 'exported', files })));
    case 'evaluate':
      return reply(runEvaluation(msg));
    case 'latents':
      return reply(runLatents(msg));
    case 'prior':
      return reply(trainPrior(msg, post));
    case 'sample':
      return reply(sampleRun(msg));
    case 'explore':
      return startExplorer(msg);
    case 'decode':
      return explorerCall(msg.id, (session) => {
        const images = decodeRows(session, session.latentSize, msg.z, msg.labels);
        const { height, width, channels } = session.dataset;
        return { type: 'decoded', id: msg.id, images, rows: msg.z.length, width, height, channels };
      });
    case 'encode':
      return explorerCall(msg.id, (session) => ({ type: 'encoded', id: msg.id, ...encodeTest(session, msg.indices) }));
    case 'close':
      return finish(0);
    case 'probe':
      return reply(
        selectBackend(msg.preference, [], { threads: true }).then((backend) => ({ type: 'probed', backend })),
        (error) => ({ type: 'probeFailed', error }),
      );
  }
});

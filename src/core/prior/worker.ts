/**
 * The worker side of learned priors and sampling: a run's model rebuilt at a checkpoint, its training codes
 * encoded once, a PixelCNN trained over them; and samples decoded from N(0, I), per class, or from that prior.
 * Pure of IPC: the worker's handlers (src/core/worker/handlers.ts) route the requests and hand it `post` for the prior's epochs.
 */
import type { Rank } from '@tensorflow/tfjs-core';
import type { BuiltModel, CodeGrid } from '../../families/family-model';
import { loadFamilyModules } from '../../families/family-modules';
import { DatasetCatalog } from '../datasets/catalog';
import { classCount, fillBatch, pixelsPerImage, type ImageDataset, type ImageSplit } from '../../ml/dataset';
import { selectBackend } from '../../ml/backend';
import { readCheckpoint, writeCheckpoint } from '../training/checkpoint';
import { gridPng, imagePng } from '../training/images';
import type { FromWorker } from '../training/protocol';
import { createRng, deriveSeed } from '../../shared/random';
import { buildModel, restoreFrom } from '../training/rebuild';
import { readFloats } from '../../ml/read';
import { tf } from '../../ml/tf';
import type { PriorRequest, SampleRequest } from './messages';
import { stepGate } from '../training/step-gate';
import {
  buildPixelCnn,
  pixelCnnShape,
  priorTrainingDefaults,
  samplePixelCnn,
  trainPixelCnn,
  uniformCodes,
  unigramCrossEntropyBits,
  type PixelCnn,
  type PixelCnnShape,
  priorMemoryIssue,
} from './pixelcnn';
import { visibleContext } from './pixelcnn-reach';

/** Images per encode or decode call. */
const batchSize = 256;
/** The kernels the PixelCNN's convolutions (with their explicit padding) need to train. */
const convKernels = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];

async function rebuild(msg: PriorRequest | SampleRequest, kernels: string[]) {
  const { config } = msg;
  await loadFamilyModules();
  // Sampling decodes a few images: a thread pool would take longer to start than it saves.
  await selectBackend(config.backend ?? 'auto', kernels, { threads: msg.type === 'prior', adapter: config.gpuAdapter });
  const dataset = new DatasetCatalog(msg.datasets.root, msg.datasets).open(config.dataset);
  const model = buildModel(config, dataset);
  restoreFrom(model, readCheckpoint(msg.checkpoint.path, msg.checkpoint.sha256));
  return { model, dataset };
}

function needGrid(model: BuiltModel, family: string): CodeGrid {
  if (!model.codeGrid) throw new Error(`the ${family} family has no discrete code grid to learn a prior over`);
  return model.codeGrid;
}

/** The code indices of a whole split, int32 [count × positions]. */
export async function encodeSplit(grid: CodeGrid, dataset: ImageDataset, split: ImageSplit): Promise<Int32Array> {
  const pixels = pixelsPerImage(dataset);
  const positions = grid.grid[0] * grid.grid[1];
  const out = new Int32Array(split.count * positions);
  const x = new Float32Array(batchSize * pixels);
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    fillBatch(
      split,
      pixels,
      Uint32Array.from({ length: n }, (_, i) => start + i),
      x,
    );
    out.set(await readFloats(() => grid.indices(tf.tensor2d(x.subarray(0, n * pixels), [n, pixels]))), start * positions);
  }
  return out;
}

/** Images in [0,1] (flat, [n, pixels]) decoded from code grids [n × positions]. */
export async function decodeCodes(grid: CodeGrid, codes: Int32Array, pixels: number): Promise<Float32Array> {
  const positions = grid.grid[0] * grid.grid[1];
  const n = codes.length / positions;
  const out = new Float32Array(n * pixels);
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const images = await readFloats(() =>
      grid.decodeIndices(tf.tensor2d(codes.subarray(start * positions, (start + m) * positions), [m, positions], 'int32')),
    );
    out.set(images, start * pixels);
  }
  return out;
}

/** Entropy in bits of each position's own code frequencies, averaged over positions: what knowing only "where" gives. */
/** `unigramCrossEntropyBits` for each position of the grids on its own (a prior of per-position frequencies). */
function positionUnigramBits(train: Int32Array, test: Int32Array, positions: number, k: number): number {
  const column = (codes: Int32Array, p: number) =>
    Int32Array.from({ length: codes.length / positions }, (_, i) => codes[i * positions + p] as number);
  let total = 0;
  for (let p = 0; p < positions; p++) total += unigramCrossEntropyBits(column(train, p), column(test, p), k);
  return total / positions;
}

const rowsOf = (images: Float32Array, pixels: number, from: number, n: number): Float32Array[] =>
  Array.from({ length: n }, (_, i) => images.slice((from + i) * pixels, (from + i + 1) * pixels));

/** The prior's checkpoint `family` section: what rebuilds it. */
interface PriorState {
  pixelcnn: PixelCnnShape;
  [key: string]: unknown;
}

/** Rebuilds a learned prior from its checkpoint. */
export function loadPrior(path: string, sha256: string): PixelCnn {
  const saved = readCheckpoint(path, sha256);
  const shape = (saved.family as PriorState).pixelcnn;
  if (!shape) throw new Error(`${path} is not a learned prior's checkpoint`);
  const prior = buildPixelCnn(shape, 0);
  prior.load(saved.weights);
  return prior;
}

/**
 * Encodes the run's training and test splits at its checkpoint, trains a PixelCNN over the training code grids
 * (test NLL after each epoch, posted as `priorEpoch`), writes its checkpoint, and draws prior samples beside
 * uniform-code samples for the run view.
 */
export async function trainPrior(msg: PriorRequest, post: (m: FromWorker) => void): Promise<FromWorker> {
  const started = performance.now();
  const { model, dataset } = await rebuild(msg, convKernels);
  let prior: PixelCnn | undefined;
  try {
    const grid = needGrid(model, msg.config.family);
    const [height, width] = grid.grid;
    const k = grid.codebookSize;
    const positions = height * width;
    // Refused before any encoding, with its size, rather than killed by the memory it would take.
    const tooLarge = priorMemoryIssue(height, width, k, grid.codebooks ?? 1);
    if (tooLarge) throw new Error(`runId: ${tooLarge}`);
    const train = await encodeSplit(grid, dataset, dataset.train);
    const test = await encodeSplit(grid, dataset, dataset.test);
    const encodeSeconds = (performance.now() - started) / 1000;
    if (dataset.train.count === 0 || dataset.test.count === 0) throw new Error('the run has no training or no test images');
    const shape = pixelCnnShape(height, width, k, grid.codebooks);
    const training = { ...priorTrainingDefaults, epochs: msg.epochs, seed: msg.seed };
    prior = buildPixelCnn(shape, deriveSeed(msg.seed, 41));
    // A test may hold the worker after an epoch (the step gate's step is the prior's epoch here).
    const gate = stepGate();
    const curve = await trainPixelCnn(prior, { train, test }, training, async (f) => {
      post({ type: 'priorEpoch', ...f, epochs: msg.epochs });
      await gate?.(f.epoch);
    });
    const last = curve.at(-1);
    if (!last || !Number.isFinite(last.testNllBits))
      throw new Error(`the prior's training diverged (test NLL ${last?.testNllBits})`);
    const settings = {
      architecture: {
        kind: 'gated PixelCNN (vertical and horizontal stacks)',
        ...shape,
        firstLayer: `vertical ${shape.firstRows}×${2 * shape.firstColumns + 1} (rows above), horizontal 1×${shape.firstColumns} (left)`,
        residualBlocks: `${shape.blocks} × (vertical 2×3, horizontal 1×2, tanh·sigmoid gates, 1×1, residual)`,
        visibleContext: Number(visibleContext(shape).mean.toFixed(4)),
        // The share of earlier positions the position that sees least of them sees (1: every position sees its past).
        worstContext: Number(visibleContext(shape).worst.toFixed(4)),
        positionBiases: true,
        parameters: prior.variables().reduce((s, v) => s + v.size, 0),
      },
      training,
      optimizer: 'Adam',
      trainGrids: dataset.train.count,
      testGrids: dataset.test.count,
      vqCheckpoint: { epoch: msg.checkpoint.epoch, step: msg.checkpoint.step, sha256: msg.checkpoint.sha256 },
      seconds: { encode: Number(encodeSeconds.toFixed(2)), train: Number(curve.reduce((s, c) => s + c.seconds, 0).toFixed(2)) },
    };
    const checkpoint = writeCheckpoint(
      msg.outDir,
      {
        epoch: msg.epochs,
        step: msg.epochs * Math.ceil(dataset.train.count / training.batchSize),
        weights: await prior.weights(),
        optimizer: [],
        trainer: {},
        family: { pixelcnn: shape, training, vqCheckpoint: settings.vqCheckpoint } satisfies PriorState,
      },
      msg.fileName,
    );
    // The run view's picture: prior samples (two rows) above uniform-code samples (two rows), each decoded.
    const pixels = pixelsPerImage(dataset);
    const drawn = await decodeCodes(grid, await samplePixelCnn(prior, 20, deriveSeed(msg.seed, 42)), pixels);
    const uniform = await decodeCodes(grid, uniformCodes(20, positions, k, deriveSeed(msg.seed, 43)), pixels);
    const png = await gridPng(
      [
        rowsOf(drawn, pixels, 0, 10),
        rowsOf(drawn, pixels, 10, 10),
        rowsOf(uniform, pixels, 0, 10),
        rowsOf(uniform, pixels, 10, 10),
      ],
      dataset.height,
      dataset.width,
      dataset.channels,
    );
    return {
      type: 'priorTrained',
      figures: {
        nll_bits: last.testNllBits,
        train_nll_bits: last.trainNllBits,
        unigram_bits: unigramCrossEntropyBits(train, test, k),
        position_unigram_bits: positionUnigramBits(train, test, positions, k),
        uniform_bits: Math.log2(k),
      },
      curve: curve.map((c) => ({ ...c, epochs: msg.epochs })),
      settings,
      checkpoint,
      samples: {
        kind: 'pixelcnn-samples',
        epoch: msg.checkpoint.epoch,
        step: msg.checkpoint.step,
        caption:
          `Learned prior (PixelCNN, test NLL ${last.testNllBits.toFixed(2)} bits/position): decoded prior samples (top two rows), ` +
          `decoded uniform codes (bottom two rows)`,
        mime: 'image/png',
        width: png.width,
        height: png.height,
        data: png.png,
      },
    };
  } finally {
    prior?.dispose();
    model.dispose();
  }
}

/** n draws of N(0, I) in `dim` dimensions (Box–Muller over a seeded stream), row-major. */
export function gaussianRows(n: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rng();
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Values in [0,1] as 8-bit pixels, rounded as the studio's image views round them. */
function bytesOf(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, values[i] as number)));
  return out;
}

/**
 * Samples of a run's model: z ~ N(0, I) decoded (the VAE), the same z decoded with each class asked for (the CVAE:
 * class by class, so sample i of every class shares its z), or code grids drawn from the learned prior and decoded
 * (the VQ-VAE). Deterministic for a seed on one backend.
 */
export async function sampleRun(msg: SampleRequest): Promise<FromWorker> {
  const { model, dataset } = await rebuild(msg, []);
  let prior: PixelCnn | undefined;
  try {
    const pixels = pixelsPerImage(dataset);
    const { source, n } = msg;
    let images: Float32Array;
    let labels: (number | null)[];
    if (source.kind === 'prior') {
      const grid = needGrid(model, msg.config.family);
      prior = loadPrior(source.prior.path, source.prior.sha256);
      const fits = (s: PixelCnnShape) =>
        s.codes === grid.codebookSize &&
        s.height === grid.grid[0] &&
        s.width === grid.grid[1] &&
        (s.codebooks ?? 1) === (grid.codebooks ?? 1);
      if (!fits(prior.shape)) throw new Error('the learned prior does not match this model’s codebook or grid: train it again');
      const codes = await samplePixelCnn(prior, n, msg.seed, { temperature: source.temperature });
      images = await decodeCodes(grid, codes, pixels);
      labels = Array.from({ length: n }, () => null);
    } else {
      if (!model.decode) throw new Error(`the ${msg.config.family} family has no decoder`);
      const decode = model.decode.bind(model);
      const dim = source.latentSize;
      // The model's own prior where it has one (the VampPrior; the AAE's mixture), else N(0, I).
      const samplePrior = model.samplePrior?.bind(model);
      const z = samplePrior ? await readFloats(() => samplePrior(n, msg.seed)) : gaussianRows(n, dim, msg.seed);
      if (source.kind === 'vamp' && !model.samplePrior) throw new Error(`the ${msg.config.family} model has no prior to sample`);
      const classCountOf = classCount(dataset);
      const classes = source.kind === 'conditional' ? source.classes : [null];
      // A run on chosen classes numbered them 0…n−1 in the order chosen (selectClasses): the one-hot of a label value.
      const chosen = msg.config.dataset.classes;
      const oneHotIndex = (c: number) => (chosen ? chosen.indexOf(c) : c);
      for (const c of classes)
        if (c !== null && (oneHotIndex(c) < 0 || oneHotIndex(c) >= classCountOf))
          throw new Error(`class ${c} is not one of the model's ${classCountOf} label values`);
      images = new Float32Array(classes.length * n * pixels);
      labels = classes.flatMap((c) => Array.from({ length: n }, () => c));
      for (const [ci, c] of classes.entries()) {
        for (let start = 0; start < n; start += batchSize) {
          const m = Math.min(batchSize, n - start);
          const out = await readFloats(() => {
            const zt = tf.tensor2d(z.subarray(start * dim, (start + m) * dim), [m, dim]);
            const oneHot =
              c === null || source.kind !== 'conditional'
                ? undefined
                : tf.cast(tf.oneHot(tf.fill<Rank.R1>([m], oneHotIndex(c), 'int32'), classCountOf), 'float32');
            return decode(zt, oneHot);
          });
          images.set(out, (ci * n + start) * pixels);
        }
      }
    }
    const bytes = bytesOf(images);
    const pngs: Uint8Array[] = [];
    for (let i = 0; i < labels.length; i++) {
      pngs.push(await imagePng(bytes.slice(i * pixels, (i + 1) * pixels), dataset.height, dataset.width, dataset.channels));
    }
    const ownPrior = source.kind === 'gaussian' && model.samplePrior !== undefined;
    return {
      type: 'sampled',
      pngs,
      labels,
      width: dataset.width,
      height: dataset.height,
      channels: dataset.channels,
      ...(ownPrior ? { ownPrior } : {}),
    };
  } finally {
    prior?.dispose();
    model.dispose();
  }
}

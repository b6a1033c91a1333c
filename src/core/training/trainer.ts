import type { MetricPoint, RunProgress } from '../../shared/api';
import type { TrainingConfig } from '../../shared/config';
import type { BuiltModel } from '../../families/family-model';
import {
  bytesToFloats,
  classCount,
  fillBatch,
  fillOneHot,
  pixelsPerImage,
  type ImageDataset,
  type ImageSplit,
} from '../datasets/dataset';
import { Adam } from './adam';
import { createRng, shuffledIndices } from './random';
import { tf, type Scalar, type Variable } from './tf';

export class TrainingHealthError extends Error {
  override name = 'TrainingHealthError';
}

export interface TrainerCallbacks {
  progress(progress: Omit<RunProgress, 'runId'>): void;
  metrics(points: MetricPoint[]): void;
  /** After each epoch's metrics: images, checkpoints. */
  epochEnd(epoch: number, step: number): Promise<void>;
  /** Training health advice that does not stop the run (e.g. posterior collapse). */
  warn(message: string): void;
}

/** KL per dimension below this (nats) counts as collapsed; variance of mu below 0.01 as an inactive unit (Burda et al. 2016). */
const collapsedKl = 0.01;
const activeUnitVariance = 0.01;

export interface TrainOptions {
  model: BuiltModel;
  dataset: ImageDataset;
  training: TrainingConfig;
  /** Seed for shuffling, derived from the run's seed. */
  shuffleSeed: number;
  callbacks: TrainerCallbacks;
  /** Smallest interval between progress events. */
  progressEveryMs?: number;
}

const optimizers = {
  adam: (lr: number) => new Adam(lr),
  sgd: (lr: number) => tf.train.sgd(lr),
  rmsprop: (lr: number) => tf.train.rmsprop(lr),
} satisfies Record<TrainingConfig['optimizer'], (lr: number) => unknown>;

/** The optimizer a run's config names. */
export function createOptimizer(
  training: Pick<TrainingConfig, 'optimizer' | 'learningRate'>,
): ReturnType<(typeof optimizers)[keyof typeof optimizers]> {
  return optimizers[training.optimizer](training.learningRate);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Mean loss parts and per-pixel MSE over a split, in batches, without gradients; for models with a
 * posterior also KL per latent dimension and the number of active units.
 */
export function evaluate(
  model: BuiltModel,
  split: ImageSplit,
  pixels: number,
  classes: number,
  batchSize = 256,
): Record<string, number> {
  const sums: Record<string, number> = {};
  const buf = new Float32Array(batchSize * pixels);
  const labelBuf = new Float32Array(batchSize * Math.max(classes, 1));
  const labelsOf = (n: number) => (model.conditional ? tf.tensor2d(labelBuf.subarray(0, n * classes), [n, classes]) : undefined);
  let klSum: Float64Array | undefined;
  let muSum: Float64Array | undefined;
  let muSq: Float64Array | undefined;
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const idx = Array.from({ length: n }, (_, i) => start + i);
    fillBatch(split, pixels, idx, buf);
    if (model.conditional) fillOneHot(split, classes, idx, labelBuf);
    const values = tf.tidy(() => {
      const x = tf.tensor2d(buf.subarray(0, n * pixels), [n, pixels]);
      const labels = labelsOf(n);
      const { total, parts } = model.computeLoss(x, false, labels);
      const mse = tf.mean(tf.squaredDifference(x, model.reconstruct(x, labels)));
      const named: [string, Scalar][] = [['loss', total], ...Object.entries(parts), ['mse', mse as Scalar]];
      return named.map(([k, t]) => [k, t.dataSync()[0] as number] as const);
    });
    for (const [k, v] of values) sums[k] = (sums[k] ?? 0) + v * n;
    if (model.posterior) {
      const [mu, kl] = tf.tidy(() => {
        const post = model.posterior?.(tf.tensor2d(buf.subarray(0, n * pixels), [n, pixels]), labelsOf(n));
        if (!post) return [new Float32Array(), new Float32Array()];
        const klDims = tf.mul(0.5, tf.sub(tf.add(tf.exp(post.logVar), tf.square(post.mu)), tf.add(1, post.logVar)));
        return [post.mu.dataSync() as Float32Array, tf.sum(klDims, 0).dataSync() as Float32Array];
      });
      const dims = kl.length;
      klSum ??= new Float64Array(dims);
      muSum ??= new Float64Array(dims);
      muSq ??= new Float64Array(dims);
      for (let d = 0; d < dims; d++) klSum[d] = (klSum[d] as number) + (kl[d] as number);
      for (let i = 0; i < mu.length; i++) {
        const d = i % dims;
        muSum[d] = (muSum[d] as number) + (mu[i] as number);
        muSq[d] = (muSq[d] as number) + (mu[i] as number) ** 2;
      }
    }
  }
  const metrics = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / split.count]));
  if (klSum && muSum && muSq) {
    let active = 0;
    klSum.forEach((s, d) => {
      metrics[`kl_dim_${d}`] = s / split.count;
      const mean = (muSum?.[d] ?? 0) / split.count;
      if ((muSq?.[d] ?? 0) / split.count - mean * mean > activeUnitVariance) active++;
    });
    metrics['active_units'] = active;
  }
  return metrics;
}

/** Posterior collapse: every latent dimension's KL has fallen to about zero, so the decoder ignores z. */
export function posteriorCollapsed(metrics: Record<string, number>): boolean {
  const kls = Object.entries(metrics).filter(([k]) => k.startsWith('kl_dim_'));
  return kls.length > 0 && kls.every(([, v]) => v < collapsedKl);
}

/** The generic loop: shuffled mini-batches, optimizer.minimize inside tidy, callbacks for everything else. */
export async function train(o: TrainOptions): Promise<void> {
  const { model, dataset, training, callbacks } = o;
  const pixels = pixelsPerImage(dataset);
  const n = dataset.train.count;
  const bs = Math.min(training.batchSize, n);
  const stepsPerEpoch = Math.ceil(n / bs);
  const epochs = model.totalEpochs?.(training.epochs) ?? training.epochs;
  const totalSteps = stepsPerEpoch * epochs;
  const logEvery = Math.max(1, Math.floor(stepsPerEpoch / 50));
  const progressEveryMs = o.progressEveryMs ?? 250;
  const optimizer = createOptimizer(training);
  const rng = createRng(o.shuffleSeed);
  const varList = model.trainableWeights().map((w) => w.read() as Variable);
  const batch = new Float32Array(bs * pixels);
  const classes = classCount(dataset);
  const labelBatch = new Float32Array(bs * Math.max(classes, 1));
  const started = performance.now();
  let step = 0;
  let lastProgress = 0;
  let lastGoodEpoch = 0;
  let pending: MetricPoint[] = [];
  let warnedCollapse = false;
  // What reporting costs the loop: time in the logging path against the time of the steps themselves.
  let stepMs = 0;
  let loggingMs = 0;

  // Two byte buffers: while one batch trains, the next is read into the other (from disk, on Node's I/O threads).
  const byteBuffers = [new Uint8Array(bs * pixels), new Uint8Array(bs * pixels)];
  const fetchBatch = (indices: Uint32Array, into: Uint8Array): Promise<void> | null => {
    if (dataset.train.readBytesAsync) return dataset.train.readBytesAsync(indices, into);
    dataset.train.readBytes(indices, into);
    return null;
  };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffledIndices(n, rng);
    const batchIndices = (b: number) => order.subarray(b * bs, Math.min(n, (b + 1) * bs));
    let lossSum = 0;
    let next = fetchBatch(batchIndices(0), byteBuffers[0] as Uint8Array);
    for (let b = 0; b < stepsPerEpoch; b++) {
      const idx = batchIndices(b);
      const stepStart = performance.now();
      if (next) await next;
      bytesToFloats(byteBuffers[b % 2] as Uint8Array, idx.length * pixels, batch);
      next = b + 1 < stepsPerEpoch ? fetchBatch(batchIndices(b + 1), byteBuffers[(b + 1) % 2] as Uint8Array) : null;
      if (model.conditional) fillOneHot(dataset.train, classes, idx, labelBatch);
      const loss = tf.tidy(() => {
        const x = tf.tensor2d(batch.subarray(0, idx.length * pixels), [idx.length, pixels]);
        const labels = model.conditional
          ? tf.tensor2d(labelBatch.subarray(0, idx.length * classes), [idx.length, classes])
          : undefined;
        model.onStep?.(epoch - 1 + b / stepsPerEpoch);
        const cost = optimizer.minimize(() => model.computeLoss(x, true, labels).total, true, varList);
        return cost ? (cost.dataSync()[0] as number) : NaN;
      });
      step++;
      if (!Number.isFinite(loss) || loss > 1e8) {
        throw new TrainingHealthError(
          `the loss ${Number.isFinite(loss) ? 'exploded' : 'became NaN'} (${loss}) at epoch ${epoch}, step ${step}; training stopped` +
            (lastGoodEpoch > 0 ? ` and the checkpoint of epoch ${lastGoodEpoch} is kept` : '') +
            '. Try a lower learning rate.',
        );
      }
      lossSum += loss * idx.length;
      const loggingStart = performance.now();
      stepMs += loggingStart - stepStart;
      const epochFraction = epoch - 1 + (b + 1) / stepsPerEpoch;
      if (step % logEvery === 0) pending.push({ step, epoch: epochFraction, split: 'train', name: 'batch_loss', value: loss });
      const now = performance.now();
      if (now - lastProgress >= progressEveryMs || b === stepsPerEpoch - 1) {
        lastProgress = now;
        const seconds = (now - started) / 1000;
        const samples = (epoch - 1) * n + Math.min(n, (b + 1) * bs);
        const rate = samples / Math.max(seconds, 1e-6);
        callbacks.progress({
          epoch,
          epochs,
          step,
          totalSteps,
          samplesPerSec: rate,
          etaSeconds: ((totalSteps - step) * seconds) / step,
          batchLoss: loss,
          loggingOverhead: loggingMs / Math.max(stepMs, 1e-9),
        });
        if (pending.length > 0) {
          callbacks.metrics(pending);
          pending = [];
        }
      }
      loggingMs += performance.now() - loggingStart;
      await yieldToEventLoop();
    }
    const test = evaluate(model, dataset.test, pixels, classes);
    const points: MetricPoint[] = [
      ...pending,
      { step, epoch, split: 'train', name: 'loss', value: lossSum / n },
      ...Object.entries(test).map(([name, value]) => ({ step, epoch, split: 'test' as const, name, value })),
    ];
    pending = [];
    callbacks.metrics(points);
    if (posteriorCollapsed(test) && !warnedCollapse) {
      warnedCollapse = true;
      callbacks.warn(
        `posterior collapse at epoch ${epoch}: the KL of every latent dimension is below ${collapsedKl} nats, so the decoder ignores z. ` +
          'Try a KL warm-up, a lower β, or a smaller decoder.',
      );
    }
    await callbacks.epochEnd(epoch, step);
    lastGoodEpoch = epoch;
  }
  if (model.afterTraining) {
    const figures = await model.afterTraining({ train: dataset.train, test: dataset.test });
    callbacks.metrics(
      Object.entries(figures).map(([name, value]) => ({ step, epoch: epochs, split: 'test' as const, name, value })),
    );
  }
  optimizer.dispose();
}

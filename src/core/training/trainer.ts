import type { MetricPoint, RunProgress, StoppedEarly } from '../../shared/api';
import { splitWord, type TrainingConfig } from '../../shared/config';
import type { BuiltModel, HealthWarning } from '../../families/family-model';
import {
  bytesToFloats,
  classCount,
  fillBatch,
  fillOneHot,
  pixelsPerImage,
  type ImageDataset,
  type ImageSplit,
} from '../../ml/dataset';
import { Adam } from '../../ml/adam';
import { earlyStoppingAfterEpoch, initialEarlyStopping, type EarlyStoppingState } from '../../ml/early-stopping';
import { inTraining, overSplit } from '../../ml/mode';
import { Reads } from '../../ml/read';
import { optimizerState, optimizerStep } from '../../ml/optimizer-step';
import { initialPlateau, plateauAfterEpoch, scheduledRate, type PlateauState } from '../../shared/schedule';
import type { JsonState, NamedArray } from './checkpoint';
import { createRng, shuffledIndices } from '../../shared/random';
import { tf, type Tensor, type Variable } from '../../ml/tf';

export class TrainingHealthError extends Error {
  override name = 'TrainingHealthError';
}

export interface TrainerCallbacks {
  progress(progress: Omit<RunProgress, 'runId'>): void;
  metrics(points: MetricPoint[]): void;
  /**
   * After each epoch's metrics: images, checkpoints. `last`: early stopping ends the run at this epoch (its checkpoint
   * is the one a later extension continues from). Answers 'stop' when the run ends after this epoch (Hyperband
   * stopped it at a rung). `ruled`: the epoch's metrics the rules read (the validation split's where the run holds
   * one out, else the test split's; the family's own epoch metrics, on the test split, are the worker's).
   */
  epochEnd(
    epoch: number,
    step: number,
    state: () => Promise<TrainerSnapshot>,
    last: boolean,
    ruled: { split: 'test' | 'val'; metrics: Readonly<Record<string, number>> },
  ): Promise<void | 'stop'>;
  /** Training health advice that does not stop the run (e.g. posterior collapse). */
  warn(message: string): void;
  /** After each step, once its progress is posted (a test's step gate; absent, the loop awaits nothing). */
  afterStep?(step: number): Promise<void>;
}

/** What the trainer adds to a checkpoint: the optimizer's slots and counters, and its own counters and RNG. */
export interface TrainerSnapshot {
  optimizer: NamedArray[];
  trainer: JsonState;
}

/** Where a resumed run continues: after `epoch`, at `step`, with the trainer as it was then. */
export interface TrainerResume extends TrainerSnapshot {
  epoch: number;
  step: number;
}

export interface TrainOptions {
  /** Continue after a checkpoint instead of from the beginning. */
  resume?: TrainerResume;
  /** The epochs the run had before this continuation extended it (where a cosine starts a new cycle). */
  extendedFrom?: number | undefined;
  model: BuiltModel;
  dataset: ImageDataset;
  training: TrainingConfig;
  /** Seed for shuffling, derived from the run's seed. */
  shuffleSeed: number;
  callbacks: TrainerCallbacks;
  /** Smallest interval between progress events. */
  progressEveryMs?: number;
  /** The run trains on a twin pair of sets (for the family's own epoch metrics, EpochContext.twinSets). */
  twinSets?: boolean;
  /**
   * The epochs a rule reading a metric passes over (`epochsBeforeRules`: a phased family's pretraining, and for the
   * loss a KL warm-up); absent, the pretraining alone.
   */
  rulesFrom?: (metric: string) => number;
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
/** Steps whose losses are read back together. */
const readBackEvery = 8;

/**
 * Mean loss parts and per-pixel MSE over a split, in batches, without gradients; then the figures of the model's
 * own `testMetrics` hook (e.g. a VAE's KL per dimension), and the health warning it may raise.
 */
export async function evaluate(
  model: BuiltModel,
  split: ImageSplit,
  pixels: number,
  classes: number,
  batchSize = 256,
): Promise<{ metrics: Record<string, number>; warning?: HealthWarning }> {
  const sums: Record<string, number> = {};
  const buf = new Float32Array(batchSize * pixels);
  const labelBuf = new Float32Array(batchSize * Math.max(classes, 1));
  const extra = model.testMetrics?.();
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start);
    const idx = Array.from({ length: n }, (_, i) => start + i);
    fillBatch(split, pixels, idx, buf);
    if (model.conditional) fillOneHot(split, classes, idx, labelBuf);
    const reads = new Reads();
    overSplit(split.count, () =>
      tf.tidy(() => {
        const x = tf.tensor2d(buf.subarray(0, n * pixels), [n, pixels]);
        const labels = model.conditional ? tf.tensor2d(labelBuf.subarray(0, n * classes), [n, classes]) : undefined;
        const { total, parts } = model.computeLoss(x, false, labels);
        for (const [name, t] of [['loss', total] as const, ...Object.entries(parts)])
          reads.values(t, (v) => (sums[name] = (sums[name] ?? 0) + (v[0] as number) * n));
        // MSE per image, summed in float64: a float32 mean over a whole batch drifts by ~1e-4 relative.
        reads.values(tf.mean(tf.squaredDifference(x, model.reconstruct(x, labels)), 1), (perImage) => {
          let squared = 0;
          for (const v of perImage) squared += v;
          sums['mse'] = (sums['mse'] ?? 0) + squared;
        });
        extra?.batch(x, labels, reads);
      }),
    );
    await reads.read();
  }
  const metrics = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / split.count]));
  const own = extra?.result(split.count);
  return { metrics: { ...metrics, ...own?.metrics }, ...(own?.warning ? { warning: own.warning } : {}) };
}

/**
 * A metric of the epoch that a rule reads (early stopping, a plateau schedule): the validation split's where the run
 * holds one out, else the test split's; or an error naming the field.
 */
function metricFor(ruled: { split: 'test' | 'val'; metrics: Record<string, number> }, name: string, field: string): number {
  const value = ruled.metrics[name];
  if (value === undefined)
    throw new Error(
      `${field}: the run has no ${splitWord(ruled.split)} metric "${name}" (it has ${Object.keys(ruled.metrics).sort().join(', ')})`,
    );
  return value;
}

/**
 * The generic loop: shuffled mini-batches, one optimizer step each (scheduled rate, clipping, weight decay) in
 * training mode inside tidy, callbacks for everything else. Resolves with how the run ended early, if it did.
 */
export async function train(o: TrainOptions): Promise<{ stoppedEarly?: StoppedEarly; stoppedAtRung?: number }> {
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
  const resume = o.resume;
  if (resume) {
    // The optimizer's slots by name, the data order's RNG, the counters: the next epoch is the one an
    // uninterrupted run would have trained.
    const slots = resume.optimizer.map((a) => ({ name: a.name, tensor: tf.tensor(a.values, a.shape) }));
    await optimizer.setWeights(slots);
    // The optimizer keeps its own (its variables share these buffers, which stay while they do).
    tf.dispose(slots.map((s) => s.tensor));
    rng.state = Number(resume.trainer['shuffleRng']);
  }
  const firstEpoch = (resume?.epoch ?? 0) + 1;
  const varList = model.trainableWeights().map((w) => w.read() as Variable);
  const batch = new Float32Array(bs * pixels);
  const classes = classCount(dataset);
  const labelBatch = new Float32Array(bs * Math.max(classes, 1));
  const started = performance.now();
  let step = resume?.step ?? 0;
  let lastProgress = 0;
  let lastGoodEpoch = resume?.epoch ?? 0;
  let pending: MetricPoint[] = [];
  const warned = new Set<string>((resume?.trainer['warned'] as string[] | undefined) ?? []);
  // The rules that read the epochs' test metrics keep their state in checkpoints.
  let plateau = (resume?.trainer['plateau'] as PlateauState | undefined) ?? initialPlateau();
  let stopping = (resume?.trainer['earlyStopping'] as EarlyStoppingState | undefined) ?? initialEarlyStopping();
  // A run early stopping ended, extended by more epochs: its patience starts again (as Keras' callback does at each
  // fit), measured against the best it had; it stops again once that many epochs bring nothing better.
  if (training.earlyStopping && stopping.wait >= training.earlyStopping.patience) stopping = { ...stopping, wait: 0 };
  // The cosine's cycle, to the run's last step; a run extended by more epochs starts a new one where it continues
  // (a warm restart: see StepPosition.cycleStart). Kept in checkpoints, so a resume within either cycle stays in it.
  const kept = resume?.trainer['cycle'] as { start: number; end: number } | undefined;
  // An extension's first attempt says so (`extendedFrom`); a later one, from a checkpoint of before it, finds a cycle
  // of another length (longer, or shorter where early stopping had ended the run and it goes on for fewer epochs).
  const extended = o.extendedFrom !== undefined || (kept !== undefined && kept.end !== totalSteps);
  const cycle = !resume
    ? { start: 0, end: totalSteps }
    : extended
      ? { start: resume.step, end: totalSteps }
      : (kept ?? { start: 0, end: totalSteps });
  let stoppedEarly: StoppedEarly | undefined;
  let stoppedAtRung: number | undefined;
  const { schedule, earlyStopping } = training;
  const stepOptions = { clipNorm: training.clipNorm, weightDecay: training.weightDecay, weightDecayOn: training.weightDecayOn };
  let rate = training.learningRate;
  const snapshot = async (): Promise<TrainerSnapshot> => ({
    optimizer: await optimizerState(optimizer),
    trainer: {
      shuffleRng: rng.state,
      warned: [...warned],
      plateau: { ...plateau },
      earlyStopping: { ...stopping },
      cycle: { ...cycle },
    },
  });
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
  let lossSum = 0;
  let lastLoss = NaN;
  let unread: { loss: Tensor; step: number; size: number; epochFraction: number }[] = [];
  /** Reads the losses of the steps since the last read, in order: the epoch's sum, the logged points, the health check. */
  const readBack = async (epoch: number): Promise<void> => {
    const reading = unread;
    unread = [];
    const values = await Promise.all(reading.map((u) => u.loss.data()));
    tf.dispose(reading.map((u) => u.loss));
    reading.forEach((u, i) => {
      const loss = (values[i] as Float32Array)[0] as number;
      if (!Number.isFinite(loss) || loss > 1e8) {
        // The run's curve up to the blow-up, every step of it read here (the chart shows where it went), then why.
        const logged = new Set(pending.map((p) => p.step));
        const seen = reading.slice(0, i + 1).flatMap((r, j) => {
          const value = (values[j] as Float32Array)[0] as number;
          return Number.isFinite(value) && !logged.has(r.step)
            ? [{ step: r.step, epoch: r.epochFraction, split: 'train' as const, name: 'batch_loss', value }]
            : [];
        });
        callbacks.metrics([...pending, ...seen].sort((a, b) => a.step - b.step));
        pending = [];
        throw new TrainingHealthError(
          `the loss ${Number.isFinite(loss) ? `exploded to ${loss.toPrecision(3)} (beyond 1e8)` : Number.isNaN(loss) ? 'became NaN' : 'became infinite'} at epoch ${epoch}, step ${u.step}; training stopped` +
            (lastGoodEpoch > 0 ? ` and the checkpoint of epoch ${lastGoodEpoch} is kept` : '') +
            // The first step's loss is the initial model's, before any update: no learning rate made it.
            (u.step === 1
              ? '. That is the untrained model’s loss, before any update: look at the model and its loss (the output activation for the loss, dropout before the code, the data’s range), not the learning rate.'
              : '. Try a lower learning rate.'),
        );
      }
      lossSum += loss * u.size;
      lastLoss = loss;
      if (u.step % logEvery === 0)
        pending.push({ step: u.step, epoch: u.epochFraction, split: 'train', name: 'batch_loss', value: loss });
    });
  };
  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    // A family's phase change that needs the data (e.g. k-means on the training codes) happens here, after a resume too.
    await model.beforeEpoch?.(epoch, { train: dataset.train, test: dataset.test });
    const order = shuffledIndices(n, rng);
    const batchIndices = (b: number) => order.subarray(b * bs, Math.min(n, (b + 1) * bs));
    lossSum = 0;
    let next = fetchBatch(batchIndices(0), byteBuffers[0] as Uint8Array);
    for (let b = 0; b < stepsPerEpoch; b++) {
      const idx = batchIndices(b);
      const stepStart = performance.now();
      if (next) await next;
      bytesToFloats(byteBuffers[b % 2] as Uint8Array, idx.length * pixels, batch);
      next = b + 1 < stepsPerEpoch ? fetchBatch(batchIndices(b + 1), byteBuffers[(b + 1) % 2] as Uint8Array) : null;
      if (model.conditional) fillOneHot(dataset.train, classes, idx, labelBatch);
      const lossTensor = tf.tidy(() => {
        const x = tf.tensor2d(batch.subarray(0, idx.length * pixels), [idx.length, pixels]);
        const labels = model.conditional
          ? tf.tensor2d(labelBatch.subarray(0, idx.length * classes), [idx.length, classes])
          : undefined;
        model.onStep?.(epoch - 1 + b / stepsPerEpoch);
        // The schedule's rate for this step (step counts the steps done so far), in training mode for this step only:
        // dropout draws the step's mask, batch norm moves its statistics.
        if (schedule)
          rate = scheduledRate(
            training.learningRate,
            schedule,
            { step, stepsPerEpoch, totalSteps, cycleStart: cycle.start },
            plateau,
          );
        return inTraining(step + 1, () => {
          const result = optimizerStep(optimizer, () => model.computeLoss(x, true, labels).total, varList, {
            ...stepOptions,
            ...(schedule ? { learningRate: rate } : {}),
          });
          model.afterStep?.(x, labels);
          return result;
        }).loss;
      });
      step++;
      unread.push({ loss: lossTensor, step, size: idx.length, epochFraction: epoch - 1 + (b + 1) / stepsPerEpoch });
      // Losses are read back asynchronously, a few steps at a time: a GPU is never stalled to read one scalar.
      if (unread.length >= readBackEvery || b === stepsPerEpoch - 1) await readBack(epoch);
      const loggingStart = performance.now();
      stepMs += loggingStart - stepStart;
      const now = performance.now();
      if ((now - lastProgress >= progressEveryMs && Number.isFinite(lastLoss)) || b === stepsPerEpoch - 1) {
        lastProgress = now;
        const seconds = (now - started) / 1000;
        const samples = (epoch - firstEpoch) * n + Math.min(n, (b + 1) * bs);
        const rate = samples / Math.max(seconds, 1e-6);
        callbacks.progress({
          epoch,
          epochs,
          step,
          totalSteps,
          samplesPerSec: rate,
          etaSeconds: ((totalSteps - step) * seconds) / Math.max(1, step - (resume?.step ?? 0)),
          batchLoss: lastLoss,
          loggingOverhead: loggingMs / Math.max(stepMs, 1e-9),
        });
        if (pending.length > 0) {
          callbacks.metrics(pending);
          pending = [];
        }
      }
      loggingMs += performance.now() - loggingStart;
      if (callbacks.afterStep) await callbacks.afterStep(step);
      await yieldToEventLoop();
    }
    const { metrics: evaluated, warning } = await evaluate(model, dataset.test, pixels, classes);
    // The family's own figures of the whole test split (DEC's cluster accuracy), which the rules may read too.
    const own = await model.epochMetrics?.({ test: dataset.test, pixels, twinSets: o.twinSets ?? false });
    const test = { ...evaluated, ...own };
    // The held-out part of the training images, where the run has one: what the rules below read.
    const validation = dataset.validation ? (await evaluate(model, dataset.validation, pixels, classes)).metrics : null;
    const ruling = validation ? { split: 'val' as const, metrics: validation } : { split: 'test' as const, metrics: test };
    const points: MetricPoint[] = [
      ...pending,
      { step, epoch, split: 'train', name: 'loss', value: lossSum / n },
      // The rate of the epoch's last step.
      { step, epoch, split: 'train', name: 'lr', value: rate },
      ...Object.entries(test).map(([name, value]) => ({ step, epoch, split: 'test' as const, name, value })),
      ...Object.entries(validation ?? {}).map(([name, value]) => ({ step, epoch, split: 'val' as const, name, value })),
    ];
    pending = [];
    callbacks.metrics(points);
    if (warning && !warned.has(warning.name)) {
      warned.add(warning.name);
      callbacks.warn(`${warning.name} at epoch ${epoch}: ${warning.detail}`);
    }
    // The rules that read the test metrics follow the configured epochs alone: a phased family's pretraining
    // measures another loss (IDEC's jumps by γ·KL when clustering starts), and stopping in it would never fine-tune.
    // A rule on the loss also waits for a schedule inside it to end: during a KL warm-up each epoch's loss weighs the
    // KL by another β, and a loss that rises with β is no sign that the model stopped improving.
    const ruled = epoch > epochs - training.epochs;
    const reads = (metric: string) => epoch > (o.rulesFrom?.(metric) ?? epochs - training.epochs);
    if (ruled && schedule?.kind === 'plateau' && reads(schedule.metric ?? 'loss'))
      plateau = plateauAfterEpoch(
        training.learningRate,
        schedule,
        plateau,
        metricFor(ruling, schedule.metric ?? 'loss', 'training.schedule.metric'),
      );
    let stop = false;
    if (ruled && earlyStopping && reads(earlyStopping.metric)) {
      const value = metricFor(ruling, earlyStopping.metric, 'training.earlyStopping.metric');
      ({ state: stopping, stop } = earlyStoppingAfterEpoch(earlyStopping, stopping, epoch, value));
    }
    const halt = await callbacks.epochEnd(epoch, step, snapshot, stop && epoch < epochs, ruling);
    lastGoodEpoch = epoch;
    if (halt === 'stop') {
      stoppedAtRung = epoch;
      break;
    }
    if (stop && earlyStopping && stopping.best === null)
      throw new TrainingHealthError(
        `training.earlyStopping.metric: ${splitWord(ruling.split)} ${earlyStopping.metric} was NaN at every epoch up to ${epoch}, so early ` +
          `stopping has nothing to compare; training stopped and the checkpoint of epoch ${epoch} is kept.`,
      );
    // Out of patience at the last epoch too (as Keras' EarlyStopping, which restores the best weights then): the run
    // keeps its best checkpoint where it keeps one; its words say it trained every epoch (stoppedEarlyText).
    if (stop && earlyStopping && stopping.best !== null) {
      stoppedEarly = {
        epoch,
        bestEpoch: stopping.bestEpoch,
        metric: earlyStopping.metric,
        mode: earlyStopping.mode,
        best: stopping.best,
        patience: earlyStopping.patience,
        minDelta: earlyStopping.minDelta,
        ...(dataset.validation ? { split: 'val' as const } : {}),
      };
      break;
    }
  }
  if (model.afterTraining) {
    const figures = await model.afterTraining({ train: dataset.train, test: dataset.test });
    callbacks.metrics(
      Object.entries(figures).map(([name, value]) => ({ step, epoch: lastGoodEpoch, split: 'test' as const, name, value })),
    );
  }
  optimizer.dispose();
  return { ...(stoppedEarly ? { stoppedEarly } : {}), ...(stoppedAtRung !== undefined ? { stoppedAtRung } : {}) };
}

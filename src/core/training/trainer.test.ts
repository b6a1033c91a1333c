import { beforeAll, describe, expect, it } from 'vitest';
import { familyModels } from '../../families/models';
import { type TrainingConfig } from '../../shared/config';
import { defaultRunConfig, epochsBeforeRules } from '../../families/run-config';
import { memorySplit, type ImageDataset } from '../../ml/dataset';
import { selectBackend } from '../../ml/backend';
import { createRng } from '../../shared/random';
import { tf, type Scalar, type Tensor } from '../../ml/tf';
import { evaluate, train, type TrainerResume } from './trainer';
import type { TrainingState } from './checkpoint';
import { restoreFrom } from './rebuild';
import { splitSize } from '../../ml/mode';
import { scheduledRate } from '../../shared/schedule';

/** A small synthetic set: `count` 8x8 images of noise with one bright square each. */
function synthetic(count: number): ImageDataset {
  const rng = createRng(count);
  const images = new Uint8Array(count * 64);
  for (let i = 0; i < count; i++) {
    const at = Math.floor(rng() * 48);
    for (let p = 0; p < 64; p++) images[i * 64 + p] = Math.floor(rng() * 40);
    for (const o of [0, 1, 8, 9]) images[i * 64 + at + o] = 255;
  }
  const test = images.slice(0, 16 * 64);
  return {
    name: 'synthetic',
    height: 8,
    width: 8,
    channels: 1,
    train: memorySplit(images, 64, null),
    test: memorySplit(test, 64, null),
    labelNames: null,
    hash: 'x',
  };
}

/** A family's model for the synthetic 8x8 images. */
function buildOn(family: 'autoencoder' | 'vq-vae', model: unknown, training: TrainingConfig) {
  return familyModels[family].build({ model: model as never, training, inputShape: [8, 8, 1], seed: 3, classes: 0 });
}

/** Counts synchronous reads (dataSync and the like) while `fn` runs; asynchronous data() is not counted. */
async function countSyncReads(fn: () => Promise<void>): Promise<number> {
  const engine = tf.engine() as unknown as { readSync: (id: object) => unknown };
  const original = engine.readSync.bind(engine);
  let reads = 0;
  engine.readSync = (id) => {
    reads++;
    return original(id);
  };
  try {
    await fn();
  } finally {
    engine.readSync = original;
  }
  return reads;
}

async function trainOn(count: number, modelFamily: 'autoencoder' | 'vq-vae'): Promise<number> {
  const config = defaultRunConfig(modelFamily);
  const training: TrainingConfig = { loss: 'mse', batchSize: 8, epochs: 1, learningRate: 0.01, optimizer: 'adam', seed: 1 };
  const model = buildOn(modelFamily, config.model, training);
  const reads = await countSyncReads(async () => {
    await train({
      model,
      dataset: synthetic(count),
      training,
      shuffleSeed: 1,
      callbacks: { progress: () => undefined, metrics: () => undefined, warn: () => undefined, epochEnd: async () => undefined },
    });
  });
  model.dispose();
  return reads;
}

/** Adam on the MSE for `epochs` epochs, with early stopping on `metric` (patience 2, no min delta). */
const stoppingOn = (metric: string, mode: 'min' | 'max', epochs: number): TrainingConfig => ({
  loss: 'mse',
  batchSize: 8,
  epochs,
  learningRate: 0.01,
  optimizer: 'adam',
  seed: 1,
  earlyStopping: { metric, mode, patience: 2, minDelta: 0 },
});

describe('the training step', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('reads nothing back synchronously: the sync reads of an epoch do not grow with its steps', async () => {
    // The counter sees a synchronous read, so an equal count below is not two zeros of a counter tfjs never calls.
    expect(await countSyncReads(async () => void tf.tidy(() => tf.scalar(1).dataSync()))).toBe(1);
    for (const family of ['autoencoder', 'vq-vae'] as const) {
      const few = await trainOn(64, family);
      const many = await trainOn(512, family);
      // 8 steps or 64: none at all (the evaluation's, once an epoch, are asynchronous too).
      expect([family, few, many]).toEqual([family, 0, 0]);
    }
  });
});

describe('early stopping on a metric that is never a number', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('stops the run once its patience is spent, keeping that epoch’s checkpoint, with an error naming the field', async () => {
    const config = defaultRunConfig('autoencoder');
    const training = stoppingOn('nowhere', 'min', 6);
    const built = buildOn('autoencoder', config.model, training);
    // A test metric that is NaN at every epoch.
    const model = { ...built, testMetrics: () => ({ batch: () => undefined, result: () => ({ metrics: { nowhere: NaN } }) }) };
    const ended: [number, boolean][] = [];
    const run = train({
      model,
      dataset: synthetic(32),
      training,
      shuffleSeed: 1,
      callbacks: {
        progress: () => undefined,
        metrics: () => undefined,
        warn: () => undefined,
        epochEnd: async (epoch, _step, _state, last) => void ended.push([epoch, last]),
      },
    });
    await expect(run).rejects.toThrow(/^training\.earlyStopping\.metric: test nowhere was NaN at every epoch up to 2/);
    expect(ended).toEqual([
      [1, false],
      [2, true],
    ]);
    built.dispose();
  });
});

describe("rules that read a family's own epoch figures (DEC's cluster accuracy)", () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('a rule passes over the epochs its metric is not yet one objective in (a KL warm-up’s loss)', async () => {
    const config = defaultRunConfig('autoencoder');
    const training = stoppingOn('accuracy', 'max', 8);
    const built = buildOn('autoencoder', config.model, training);
    // Best at epoch 1 (under another objective), then flat: counted from epoch 4, the best is epoch 4's.
    let epoch = 0;
    const model = { ...built, epochMetrics: async () => ({ accuracy: ++epoch === 1 ? 0.9 : 0.5 }) };
    const result = await train({
      model,
      dataset: synthetic(32),
      training,
      shuffleSeed: 1,
      rulesFrom: (metric) => (metric === 'accuracy' ? 3 : 0),
      callbacks: { progress: () => undefined, metrics: () => undefined, warn: () => undefined, epochEnd: async () => undefined },
    });
    expect(result.stoppedEarly).toMatchObject({ epoch: 6, bestEpoch: 4, best: 0.5 });
    built.dispose();
  });

  it('early stopping and the plateau read them on the test split, where they are posted each epoch', async () => {
    const config = defaultRunConfig('autoencoder');
    const training: TrainingConfig = {
      ...stoppingOn('accuracy', 'max', 6),
      schedule: { kind: 'plateau', metric: 'accuracy', mode: 'max', patience: 0, factor: 0.5 },
    };
    const built = buildOn('autoencoder', config.model, training);
    // Best at epoch 1, then lower: the plateau halves the rate at each epoch after it, and the run stops after 3.
    let epoch = 0;
    const model = { ...built, epochMetrics: async () => ({ accuracy: ++epoch === 1 ? 0.9 : 0.5 }) };
    const posted: string[] = [];
    const result = await train({
      model,
      dataset: synthetic(32),
      training,
      shuffleSeed: 1,
      callbacks: {
        progress: () => undefined,
        metrics: (points) =>
          posted.push(
            ...points
              .filter((p) => p.name === 'accuracy' || p.name === 'lr')
              .map((p) => `${p.split}.${p.name}@${p.epoch}=${p.value}`),
          ),
        warn: () => undefined,
        epochEnd: async () => undefined,
      },
    });
    expect(result.stoppedEarly).toMatchObject({ epoch: 3, bestEpoch: 1, metric: 'accuracy', best: 0.9 });
    expect(posted).toEqual([
      'train.lr@1=0.01',
      'test.accuracy@1=0.9',
      'train.lr@2=0.01',
      'test.accuracy@2=0.5',
      'train.lr@3=0.005',
      'test.accuracy@3=0.5',
    ]);
    built.dispose();
  });
});

describe('a cosine run extended by more epochs', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  /** Trains `epochs` (from `resume`), and gives the rate logged at each epoch's end and the snapshot after the last. */
  async function cosine(epochs: number, from?: { resume: TrainerResume; extendedFrom?: number }) {
    const training: TrainingConfig = {
      loss: 'mse',
      batchSize: 8,
      epochs,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      schedule: { kind: 'cosine', warmupEpochs: 1 },
    };
    const model = buildOn('autoencoder', defaultRunConfig('autoencoder').model, training);
    const rates: number[] = [];
    const snapshots: TrainerResume[] = [];
    await train({
      ...(from ?? {}),
      model,
      dataset: synthetic(32),
      training,
      shuffleSeed: 1,
      callbacks: {
        progress: () => undefined,
        metrics: (points) => rates.push(...points.filter((p) => p.name === 'lr').map((p) => p.value)),
        warn: () => undefined,
        epochEnd: async (epoch, step, state) => void snapshots.push({ epoch, step, ...(await state()) }),
      },
    });
    model.dispose();
    return { rates, last: snapshots.at(-1)!, snapshots };
  }

  it('restarts its cycle where it continues, also from a checkpoint written before cycles were kept', async () => {
    const { last } = await cosine(2);
    // 4 steps an epoch: the first of epoch 3 restarts at the base rate, the last of epoch 4 ends near 0.
    const restarted = [3, 4].map((epoch) =>
      scheduledRate(
        0.01,
        { kind: 'cosine', warmupEpochs: 1 },
        { step: epoch * 4 - 1, stepsPerEpoch: 4, totalSteps: 16, cycleStart: 8 },
      ),
    );
    expect((await cosine(4, { resume: last })).rates).toEqual(restarted);
    // An older checkpoint keeps no cycle: the run's record says it was extended, or it goes on stretched.
    const { cycle: _kept, ...older } = last.trainer;
    const old = { ...last, trainer: older };
    expect((await cosine(4, { resume: old, extendedFrom: 2 })).rates).toEqual(restarted);
    const stretched = [3, 4].map((epoch) =>
      scheduledRate(0.01, { kind: 'cosine', warmupEpochs: 1 }, { step: epoch * 4 - 1, stepsPerEpoch: 4, totalSteps: 16 }),
    );
    expect((await cosine(4, { resume: old })).rates).toEqual(stretched);
    expect(stretched).not.toEqual(restarted);
  });

  it('restarts a shorter cycle where a run that early stopping ended goes on for fewer epochs than it was set to', async () => {
    // Set to 4 epochs, ended after the second, given one more: a cycle from step 8 to step 12.
    const atTwo = (await cosine(4)).snapshots[1]!;
    const restarted = [
      scheduledRate(0.01, { kind: 'cosine', warmupEpochs: 1 }, { step: 11, stepsPerEpoch: 4, totalSteps: 12, cycleStart: 8 }),
    ];
    expect((await cosine(3, { resume: atTwo, extendedFrom: 4 })).rates).toEqual(restarted);
    // A later attempt from the same checkpoint (the first was interrupted) finds a kept cycle of another length.
    expect((await cosine(3, { resume: atTwo })).rates).toEqual(restarted);
  });
});

describe('a loss that is not finite', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('at the first step, is said to be the untrained model’s, before any update: no learning rate made it', async () => {
    const training: TrainingConfig = { loss: 'mse', batchSize: 8, epochs: 1, learningRate: 0.01, optimizer: 'adam', seed: 1 };
    const built = () => buildOn('autoencoder', defaultRunConfig('autoencoder').model, training);
    // A fresh model whose loss is NaN from the step given on, a finite one before it.
    const failing = (from: number) => {
      const model = built();
      let step = 0;
      return {
        ...model,
        computeLoss: (x: Tensor, train: boolean) => {
          const r = model.computeLoss(x, train);
          // (The training steps' calls alone: the test split's are not steps.)
          return !train || ++step < from ? r : { ...r, total: tf.mul(r.total, tf.scalar(Number.NaN)) as Scalar };
        },
      };
    };
    const run = (from: number) =>
      train({
        model: failing(from),
        dataset: synthetic(64),
        training,
        shuffleSeed: 1,
        callbacks: {
          progress: () => undefined,
          metrics: () => undefined,
          warn: () => undefined,
          epochEnd: async () => undefined,
        },
      }).then(
        () => 'trained',
        (e: Error) => e.message,
      );
    expect(await run(1)).toMatch(/became NaN at epoch 1, step 1; .*That is the untrained model’s loss, before any update/);
    expect(await run(3)).toMatch(/became NaN at epoch 1, step 3; training stopped\. Try a lower learning rate\.$/);
  });
});

describe("the epoch's evaluation", () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('tells the model the size of the split it evaluates (an estimator over the set a batch is drawn from needs it)', async () => {
    const training: TrainingConfig = { loss: 'mse', batchSize: 8, epochs: 1, learningRate: 0.01, optimizer: 'adam', seed: 1 };
    const built = buildOn('autoencoder', defaultRunConfig('autoencoder').model, training);
    const seen: (number | null)[] = [];
    const model = {
      ...built,
      computeLoss: (x: Tensor, train: boolean) => (seen.push(splitSize()), built.computeLoss(x, train)),
    };
    const split = synthetic(37).train;
    await evaluate(model, split, 64, 0, 16);
    expect(seen).toEqual([37, 37, 37]);
    expect(splitSize()).toBeNull();
    model.dispose();
  });
});

describe('a run resumed from an epoch’s snapshot, with each optimizer', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  /**
   * Trains to `epochs` (from a checkpoint's state, restored by restoreFrom): the test losses, and each epoch's state.
   * tfjs numbers weights per process, so the model built second here has other names than the first, as a model
   * rebuilt in a worker that built another before it would.
   */
  async function run(optimizer: TrainingConfig['optimizer'], epochs: number, from?: TrainingState) {
    const training: TrainingConfig = {
      loss: 'mse',
      batchSize: 8,
      epochs,
      learningRate: 0.01,
      optimizer,
      seed: 1,
      weightDecay: 0.01,
      schedule: { kind: 'step', stepEpochs: 1, gamma: 0.5 },
    };
    const model = buildOn('autoencoder', defaultRunConfig('autoencoder').model, training);
    const resume = from ? restoreFrom(model, from) : undefined;
    const losses: number[] = [];
    const ends: TrainingState[] = [];
    await train({
      ...(resume ? { resume } : {}),
      model,
      dataset: synthetic(32),
      training,
      shuffleSeed: 1,
      callbacks: {
        progress: () => undefined,
        metrics: (points) => losses.push(...points.filter((p) => p.split === 'test' && p.name === 'loss').map((p) => p.value)),
        warn: () => undefined,
        epochEnd: async (epoch, step, state) =>
          void ends.push({
            epoch,
            step,
            ...(await state()),
            weights: model
              .weights()
              .map((w) => ({ name: w.name, shape: w.read().shape, values: Float32Array.from(w.read().dataSync()) })),
            family: {},
          }),
      },
    });
    model.dispose();
    return { losses, ends };
  }

  it.each(['adam', 'rmsprop'] as const)('%s leaves no tensor behind the snapshots of its epochs', async (optimizer) => {
    const before = tf.memory().numTensors;
    await run(optimizer, 3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['adam', 'sgd', 'rmsprop'] as const)(
    '%s ends where the uninterrupted run does, under a schedule and decay',
    async (optimizer) => {
      const whole = await run(optimizer, 3);
      const resumed = await run(optimizer, 3, whole.ends[0]);
      expect(whole.losses).toHaveLength(3);
      expect(resumed.losses).toEqual(whole.losses.slice(1));
    },
  );
});

describe('the epochs a rule passes over', () => {
  it('are a KL warm-up’s for the loss, none for figures that keep their definition, and a pretraining for all', () => {
    const vae = defaultRunConfig('vae');
    if (vae.family !== 'vae') throw new Error('unreachable');
    const warm = { ...vae, model: { ...vae.model, klWarmupEpochs: 12 } };
    // β reaches its value at epoch 12: epochs 1–11 weigh the KL by 1/12 … 11/12 of it.
    expect(epochsBeforeRules(warm, 'loss')).toBe(11);
    expect(epochsBeforeRules(warm, 'neg_elbo')).toBe(0);
    expect(epochsBeforeRules({ ...vae, model: { ...vae.model, klWarmupEpochs: 2.5 } }, 'loss')).toBe(2);
    expect(epochsBeforeRules({ ...vae, model: { ...vae.model, klWarmupEpochs: 0 } }, 'loss')).toBe(0);
    const capacity = { ...vae, model: { ...vae.model, klWarmupEpochs: 0, capacityMaxNats: 25, capacityEpochs: 6 } };
    expect(epochsBeforeRules(capacity, 'loss')).toBe(5);
    // The VampPrior VAE warms up by default; DEC pretrains, whatever the metric.
    expect(epochsBeforeRules(defaultRunConfig('vamp-vae'), 'loss')).toBeGreaterThan(0);
    const dec = defaultRunConfig('deep-clustering');
    if (dec.family !== 'deep-clustering') throw new Error('unreachable');
    expect(epochsBeforeRules({ ...dec, model: { ...dec.model, pretrainEpochs: 4 } }, 'cluster_acc')).toBe(4);
  });
});

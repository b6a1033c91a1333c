import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { scheduledRate } from '../../src/shared/schedule';
import { stoppedEarlyText } from '../../src/shared/runs';
import type { RunConfig, TrainingConfig } from '../../src/shared/config';
import { cliWithin, mnistConfig, tempDir, withTestStudio } from './helpers';
import { latestOf } from './latest';

let studio: Studio;
withTestStudio((opened) => (studio = opened));
const tmp = tempDir('latent-studio-options-');
afterAll(() => tmp.cleanup());

/** A small deep AE on 1,200 MNIST images (19 steps of 64 per epoch), with training options. */
function configWith(training: Partial<TrainingConfig>, epochs: number): RunConfig {
  const c = mnistConfig({ trainSubset: 1200, testSubset: 300, epochs, seed: 4 });
  if (c.family !== 'autoencoder') throw new Error('unreachable');
  c.model = { ...c.model, encoder: [{ type: 'dense', units: 64, activation: 'relu' }], decoder: [], latentSize: 16 };
  c.training = { ...c.training, ...training };
  return c;
}
const stepsPerEpoch = Math.ceil(1200 / 64);

async function trained(config: RunConfig) {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  expect(run.status, run.error ?? '').toBe('completed');
  return { runId, run, metrics: await studio.api['runs.metrics']({ runId }) };
}

describe('training options', () => {
  it('early stopping ends a run whose test loss stops improving by minDelta, completed, and says where its best epoch was', async () => {
    // No later epoch beats the first by 1.0 in MSE: epochs 2 and 3 are two without improvement. Checkpoints every
    // 5 epochs would skip epoch 3, but the epoch a run stops at is always kept.
    const config = configWith(
      { earlyStopping: { metric: 'loss', mode: 'min', patience: 2, minDelta: 1 }, checkpoints: { everyEpochs: 5 } },
      8,
    );
    const { runId, run, metrics } = await trained(config);
    expect(run.stoppedEarly).toMatchObject({ epoch: 3, bestEpoch: 1, metric: 'loss', mode: 'min' });
    expect(run.stoppedEarly?.best).toBe(metrics.find((m) => m.split === 'test' && m.name === 'loss' && m.epoch === 1)?.value);
    expect(metrics.filter((m) => m.split === 'train' && m.name === 'loss').map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(run.checkpoints.map((c) => c.epoch)).toEqual([3]);
    // Without keepBest, the default is the newest: the run's page names it so.
    expect(run.defaultCheckpoint).toEqual({ epoch: 3, bestBy: null });
    expect((await studio.exportRun(runId, join(tmp.dir, 'early'))).epoch).toBe(3);

    // Extended by four epochs past where it stopped (to 7, not 12), its patience starts again from its checkpoint, so
    // two more epochs without an improvement on epoch 1's best end it again, at epoch 5.
    expect(await studio.api['runs.resume']({ runId, addEpochs: 4 })).toMatchObject({ fromEpoch: 3, epochs: 7, toEpoch: 7 });
    // The queue calls it what it is.
    expect((await studio.api['jobs.list']({})).find((j) => j.runId === runId)?.detail).toBe('epochs 4–7 (extended)');
    await studio.orchestrator.whenEnded(runId);
    const extended = await studio.api['runs.get']({ runId });
    expect(extended.status, extended.error ?? '').toBe('completed');
    expect(extended.stoppedEarly).toMatchObject({ epoch: 5, bestEpoch: 1 });
  });

  it('with a validation split, early stopping and keep-best read it, not the test split', async () => {
    // As in the first test, no later epoch beats the first by 1.0: the run stops after its third.
    const config = configWith(
      {
        earlyStopping: { metric: 'loss', mode: 'max', patience: 2, minDelta: 0 },
        checkpoints: { keepLast: 1, keepBest: { metric: 'loss', mode: 'max' } },
      },
      8,
    );
    config.dataset = { ...config.dataset, validationFraction: 0.25 };
    const { runId, run, metrics } = await trained(config);
    const of = (split: string) =>
      metrics.filter((m) => m.split === split && m.name === 'loss').map((m) => [m.epoch, m.value] as const);
    expect(of('val').map(([epoch]) => epoch)).toEqual([1, 2, 3]);
    expect(of('test').map(([epoch]) => epoch)).toEqual([1, 2, 3]);
    // The best it records is the validation loss of its best epoch, not the test loss.
    expect(run.stoppedEarly).toMatchObject({
      epoch: 3,
      bestEpoch: 1,
      split: 'val',
      best: of('val')[0]![1],
      patience: 2,
      minDelta: 0,
    });
    expect(run.stoppedEarly?.best).not.toBe(of('test')[0]![1]);
    expect(stoppedEarlyText(run.stoppedEarly!)).toMatch(
      /^stopped early after epoch 3: validation loss no longer improved in 2 epochs;/,
    );
    expect(run.defaultCheckpoint).toEqual({ epoch: 1, bestBy: 'loss' });
    // 900 of the 1,200 training images train: 15 steps of 64 an epoch, not 19.
    expect(metrics.find((m) => m.split === 'train' && m.name === 'loss' && m.epoch === 1)?.step).toBe(15);
    expect(runId).toBe(run.id);

    // A figure the run does not report: refused before it starts, naming the field (it used to train, then warn).
    const unknown = configWith({ checkpoints: { keepBest: { metric: 'cluster_acc', mode: 'max' } } }, 1);
    unknown.dataset = { ...unknown.dataset, validationFraction: 0.25 };
    await expect(studio.api['runs.start']({ config: unknown })).rejects.toThrow(
      /training\.checkpoints\.keepBest\.metric: cluster_acc is not a metric this autoencoder run reports: choose one of loss, reconstruction, mse/,
    );
  });

  it('a run that stopped early and keeps its best checkpoint is exported and evaluated from that one by default', async () => {
    // The loss falls every epoch, so as a metric to maximize its best epoch is the first, and the run stops at the third.
    // Checkpoints every 5 epochs would skip the first: as the best so far, it is written all the same.
    const config = configWith(
      {
        earlyStopping: { metric: 'loss', mode: 'max', patience: 2, minDelta: 0 },
        checkpoints: { everyEpochs: 5, keepLast: 1, keepBest: { metric: 'loss', mode: 'max' } },
      },
      8,
    );
    const { runId, run } = await trained(config);
    expect(run.stoppedEarly).toMatchObject({ epoch: 3, bestEpoch: 1 });
    expect(run.checkpoints.map((c) => c.epoch)).toEqual([1, 3]);
    // The run's page says which its evaluation menu uses when none is chosen (it said "newest (epoch 3)").
    expect(run.defaultCheckpoint).toEqual({ epoch: 1, bestBy: 'loss' });
    expect((await studio.exportRun(runId, join(tmp.dir, 'best'))).epoch).toBe(1);
    const { evaluationId } = await studio.api['evaluations.start']({ runId, what: ['clustering'], seed: 0 });
    await studio.evaluations.whenEnded(evaluationId);
    expect(studio.evaluations.get(evaluationId)?.epoch).toBe(1);
    const about = (dir: string) =>
      (JSON.parse(readFileSync(join(tmp.dir, dir, 'export.json'), 'utf8')) as { checkpoint: Record<string, unknown> }).checkpoint;
    expect(about('best')).toMatchObject({ epoch: 1, chosen: 'the best by loss, kept because early stopping ended the run' });

    // The best checkpoint of its right size but corrupt: the export verifies it, takes the newest, and says so.
    const bestPath = run.checkpoints.find((c) => c.epoch === 1)?.path ?? '';
    const bytes = readFileSync(bestPath);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(bestPath, bytes);
    expect((await studio.exportRun(runId, join(tmp.dir, 'best-corrupt'))).epoch).toBe(3);
    expect(about('best-corrupt')).toMatchObject({
      epoch: 3,
      chosen: 'the newest that verifies',
      passedOver: [expect.any(String)],
    });

    // The best checkpoint's file cut short: the default passes over it, and the page names the one used instead.
    writeFileSync(run.checkpoints.find((c) => c.epoch === 1)?.path ?? '', 'cut short');
    expect((await studio.api['runs.get']({ runId })).defaultCheckpoint).toEqual({ epoch: 3, bestBy: null });
    expect((await studio.exportRun(runId, join(tmp.dir, 'best-gone'))).epoch).toBe(3);
  });

  it('a warm-up + cosine schedule with weight decay and clipping trains below the mean image, logging the rate of each epoch', async () => {
    const schedule = { kind: 'cosine', warmupEpochs: 1, minLearningRate: 1e-4 } as const;
    const config = configWith({ schedule, learningRate: 0.01, weightDecay: 0.01, clipNorm: 1 }, 4);
    const { run, metrics } = await trained(config);
    const rates = metrics.filter((m) => m.split === 'train' && m.name === 'lr').map((m) => m.value);
    const totalSteps = 4 * stepsPerEpoch;
    const expected = [1, 2, 3, 4].map((epoch) =>
      scheduledRate(config.training.learningRate, schedule, { step: epoch * stepsPerEpoch - 1, stepsPerEpoch, totalSteps }),
    );
    expect(rates).toEqual(expected);
    // The rate rose through the warm-up and has fallen to near its minimum at the last step.
    expect(rates[0]).toBeGreaterThan(0.9 * config.training.learningRate);
    expect(rates[3]).toBeLessThan(1.1 * schedule.minLearningRate);
    console.log(
      `cosine + AdamW + clipping: test MSE ${latestOf(run, 'test', 'mse')}, mean image ${latestOf(run, 'test', 'baseline_mse')}`,
    );
    expect(latestOf(run, 'test', 'mse')).toBeLessThan(0.95 * latestOf(run, 'test', 'baseline_mse'));

    // Extended by two epochs: a warm restart where it continues (no jump into the middle of a longer cosine), the
    // rate at the base again and annealed to the minimum at the new last step.
    await studio.api['runs.resume']({ runId: run.id, addEpochs: 2 });
    await studio.orchestrator.whenEnded(run.id);
    const extended = (await studio.api['runs.metrics']({ runId: run.id })).filter((m) => m.split === 'train' && m.name === 'lr');
    const restarted = [5, 6].map((epoch) =>
      scheduledRate(config.training.learningRate, schedule, {
        step: epoch * stepsPerEpoch - 1,
        stepsPerEpoch,
        totalSteps: 6 * stepsPerEpoch,
        cycleStart: 4 * stepsPerEpoch,
      }),
    );
    expect(extended.map((m) => m.value)).toEqual([...expected, ...restarted]);
    // The run's record says so, for its chart to draw the schedule it trained with.
    expect((await studio.api['runs.get']({ runId: run.id })).interruptions).toMatchObject([
      { status: 'completed', resumedFromEpoch: 4, extendedFrom: 4 },
    ]);
    expect(restarted[0]).toBeGreaterThan(0.5 * config.training.learningRate);
    expect(restarted[1]).toBeLessThan(1.2 * schedule.minLearningRate);
  });
});

describe('the CLI sets and refuses training options by config path', () => {
  const file = join(tmp.dir, 'config.json');
  writeFileSync(file, JSON.stringify(configWith({}, 1)));
  const cli = cliWithin(120_000);
  const train = (...sets: string[]) =>
    cli('train', file, ...sets.flatMap((s) => ['--set', s]), '--db', join(tmp.dir, 'cli.db'), '--json');

  it('takes a schedule, decay, clipping and early stopping', () => {
    const r = train(
      'training.schedule.kind=exponential',
      'training.schedule.gamma=0.5',
      'training.weightDecay=0.001',
      'training.weightDecayOn=matrices',
      'training.clipNorm=5',
      'training.earlyStopping={"metric":"mse","mode":"min","patience":3,"minDelta":0}',
    );
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { status: string; train: { lr: number } };
    expect(result.status).toBe('completed');
    // Exponential decay of 0.5 per epoch: the last step of the first epoch is (n − 1)/n of the way to half.
    expect(result.train.lr).toBeCloseTo(0.002 * 0.5 ** ((stepsPerEpoch - 1) / stepsPerEpoch), 9);
  });

  it.each([
    ['training.schedule.kind=sawtooth', 'training.schedule.kind'],
    ['training.clipNorm=-1', 'training.clipNorm'],
    ['training.weightDecay=2', 'training.weightDecay'],
    ['training.weightDecayOn=biases', 'training.weightDecayOn'],
    ['training.earlyStopping.patience=3', 'training.earlyStopping.metric'],
  ])('refuses --set %s, naming %s', (set, field) => {
    const r = train(set);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(field);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

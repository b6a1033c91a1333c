import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../core/training/trainer';
import { selectBackend } from '../ml/backend';

import { TrainingConfig, type DatasetLookup, type RunConfig } from '../shared/config';
import { noiseDataset } from './default-model.testing';
import { familyModels } from './models';
import { checkRunConfig, defaultRunConfig } from './run-config';

const mnist: DatasetLookup = (name) =>
  name === 'mnist'
    ? { name, height: 28, width: 28, channels: 1, trainCount: 60000, testCount: 10000, classes: 10, available: true, hint: null }
    : undefined;

const losses = TrainingConfig.shape.loss.options;
const cases = Object.keys(familyModels).flatMap((family) => losses.map((loss) => [family, loss] as const));

/**
 * Every reconstruction loss a family's check accepts trains it: a step's loss is finite, and the weights move. (Smooth
 * L1 once had no gradient, and every run with it failed at its first step, in every family.) A loss the check refuses
 * is refused under training.loss.
 */
describe('every loss a family takes', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(cases)('%s with %s: trains, or is refused naming training.loss', async (family, loss) => {
    const base = defaultRunConfig(family);
    const config = { ...base, training: { ...base.training, loss, epochs: 1, batchSize: 16 } } as RunConfig;
    const issues = checkRunConfig(config, mnist);
    if (issues.length > 0) return expect(issues.map((i) => i.path)).toEqual(['training.loss']);
    const classes = family === 'deepfake' ? 2 : 10;
    const dataset = noiseDataset(family, 32, 16);
    const model = familyModels[family as keyof typeof familyModels].build({
      model: config.model as never,
      training: config.training,
      inputShape: [28, 28, 1],
      seed: 1,
      classes,
      trainCount: 32,
    });
    const before = model.trainableWeights().map((w) => w.read().dataSync().slice());
    const losses: number[] = [];
    // One epoch of the family's first phase (two steps), with its test metrics: enough for the loss and a gradient.
    await train({
      model: { ...model, totalEpochs: undefined },
      dataset,
      training: config.training,
      shuffleSeed: 3,
      twinSets: family === 'deepfake',
      callbacks: {
        progress: () => undefined,
        warn: () => undefined,
        epochEnd: async () => undefined,
        metrics: (points) => points.forEach((p) => (p.name === 'batch_loss' || p.name === 'loss') && losses.push(p.value)),
      },
    });
    // A step's loss, and the test split's.
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(losses.every(Number.isFinite)).toBe(true);
    const moved = model.trainableWeights().filter((w, i) => {
      const now = w.read().dataSync();
      return now.some((v, j) => v !== before[i]![j]);
    });
    expect(moved.length).toBeGreaterThan(0);
    model.dispose();
  });
});

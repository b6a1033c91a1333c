import { beforeAll, describe, expect, it } from 'vitest';
import { train } from '../core/training/trainer';
import { selectBackend } from '../ml/backend';

import { tf } from '../ml/tf';
import { buildDefaultModel, noiseDataset } from './default-model.testing';
import { familyModels } from './models';
import { defaultRunConfig, everyRunReports, reportsMetric } from './run-config';
import { familySpec } from './specs';

const ignore = { progress: () => undefined, metrics: () => undefined, warn: () => undefined };

/**
 * A training worker lives as long as its run, and on a GPU its tensors hold the card's memory: whatever an epoch
 * leaves behind (its views, its own figures, a phase's probe) piles up over hundreds of epochs. Each family trains
 * its default model for its last two epochs in one phase, and the second of them must end with no more tensors than
 * the first. The per-run hooks (afterTraining) are checked the same way, run twice.
 */
describe("a family's epoch, its views and its own figures", () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(Object.keys(familyModels))('%s: its epochs, views and hooks leave no tensor behind', async (family) => {
    const config = defaultRunConfig(family);
    const classes = family === 'deepfake' ? 2 : 10;
    const dataset = noiseDataset(family, 64, 32);
    const model = buildDefaultModel(family, 1, 64);
    const training = { ...config.training, epochs: 2, batchSize: 32 };
    const lastEpoch = model.totalEpochs?.(training.epochs) ?? training.epochs;
    const tensorsAfter: Record<number, number> = {};
    const pixels = tf.tensor2d(new Float32Array(8 * 784).fill(0.5), [8, 784]);
    const reported = new Set<string>();
    const labels = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), classes);
    await train({
      model,
      dataset,
      training,
      shuffleSeed: 3,
      twinSets: family === 'deepfake',
      callbacks: {
        ...ignore,
        metrics: (points) => points.filter((p) => p.split === 'test').forEach((p) => reported.add(p.name)),
        epochEnd: async (epoch) => {
          if (model.views)
            await model.views({
              panel: pixels,
              panelLabels: labels,
              classes,
              sample: pixels,
              sampleLabels: [0, 1, 0, 1, 0, 1, 0, 1],
            });
          tensorsAfter[epoch] = tf.memory().numTensors;
        },
      },
    });
    expect(tensorsAfter[lastEpoch]! - tensorsAfter[lastEpoch - 1]!).toBe(0);
    // Every test figure it reports is one a rule may read (early stopping, the plateau, keep-best), as the config
    // check says: it refuses the names no run of the family reports.
    // (A figure of the afterTraining hook, measured once after the last epoch, is declared so: no rule reads it.)
    const once = new Set((familySpec(family)?.metrics ?? []).filter((m) => m.afterTraining).map((m) => m.name));
    expect([...reported].filter((name) => !reportsMetric(config, name) && !once.has(name))).toEqual([]);
    expect(everyRunReports.filter((name) => !reported.has(name))).toEqual([]);
    // And the other way: every figure the check accepts for this config is one its run reports (none only declared),
    // a per-dimension set up to its last dimension.
    const declared = (familySpec(family)?.metrics ?? []).filter(
      (m) => !m.afterTraining && (!m.losses || m.losses.includes(training.loss)),
    );
    const names = declared.flatMap((m) => (m.perDimension ? [`${m.perDimension}0`, `${m.perDimension}99`] : [m.name]));
    expect(names.filter((name) => reportsMetric(config, name) && !reported.has(name))).toEqual([]);
    if (model.afterTraining) {
      const data = { train: dataset.train, test: dataset.test };
      await model.afterTraining(data); // once first: tfjs caches a few constants of its own on a first use
      const before = tf.memory().numTensors;
      await model.afterTraining(data);
      expect(tf.memory().numTensors - before).toBe(0);
    }
    tf.dispose([pixels, labels]);
    model.dispose();
  });
});

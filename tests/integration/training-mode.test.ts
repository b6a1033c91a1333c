import type { WeightsManifestEntry } from '@tensorflow/tfjs-core/dist/io/types';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import type { LayerSpec } from '../../src/families/layers';
import { tf, tfl, tfRequire, type LayersModel } from '../../src/ml/tf';
import type { RunConfig } from '../../src/shared/config';
import { exportedMse } from './exported-mse';
import { mnistConfig, tempDir, withTestStudio } from './helpers';
import { latestOf } from './latest';

let studio: Studio;
withTestStudio((opened) => (studio = opened));
const out = tempDir('latent-studio-mode-');
afterAll(() => out.cleanup());

/** The default deep AE on 1,200 MNIST images for two epochs, with `extra` layers after its first encoder layer. */
function configWith(extra: LayerSpec[]): RunConfig {
  const c = mnistConfig({ trainSubset: 1200, testSubset: 300, epochs: 2, seed: 3 });
  if (c.family !== 'autoencoder') throw new Error('unreachable');
  c.model = {
    ...c.model,
    encoder: [{ type: 'dense', units: 128, activation: 'relu' }, ...extra],
    decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    latentSize: 16,
  };
  return c;
}

async function trained(config: RunConfig) {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  const run = await studio.api['runs.get']({ runId });
  expect(run.status, run.error ?? '').toBe('completed');
  return { runId, run };
}

async function clusteringOf(runId: number) {
  const { evaluationId } = await studio.api['evaluations.start']({ runId, what: ['clustering'], seed: 0 });
  await studio.evaluations.whenEnded(evaluationId);
  const evaluation = studio.evaluations.get(evaluationId);
  expect(evaluation?.status, evaluation?.error ?? '').toBe('completed');
  return evaluation?.figures;
}

/** An exported part, loaded on tfjs's cpu backend as any tfjs program would load it. */
async function loadExported(dir: string, name: string): Promise<LayersModel> {
  tfRequire('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const json = JSON.parse(readFileSync(join(dir, name, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { weights: WeightsManifestEntry[] }[];
  };
  const bytes = readFileSync(join(dir, name, 'weights.bin'));
  return tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0]?.weights ?? [],
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    }),
  );
}

describe('layers that behave differently in training', () => {
  it('dropout trains: rate 0.5 ends at another training loss than rate 0, and a checkpoint evaluates the same twice', async () => {
    const none = await trained(configWith([{ type: 'dropout', rate: 0 }]));
    const half = await trained(configWith([{ type: 'dropout', rate: 0.5 }]));
    const noneLoss = latestOf(none.run, 'train', 'loss');
    const halfLoss = latestOf(half.run, 'train', 'loss');
    console.log(`train loss after 2 epochs: dropout 0 ${noneLoss}, dropout 0.5 ${halfLoss}`);
    // Dropping half the code layer's inputs makes the training reconstructions worse, not merely different.
    expect(halfLoss).toBeGreaterThan(noneLoss * 1.02);
    // In inference the layer is an identity: the stored test MSE is that of the weights, not of a mask, so the exported
    // model (whose predict drops nothing) reproduces it; a masked evaluation would be off by far more than 1e-5.
    const dir = join(out.dir, 'dropout');
    await studio.exportRun(half.runId, dir);
    const [encoder, decoder] = [await loadExported(dir, 'encoder'), await loadExported(dir, 'decoder')];
    const mse = exportedMse(encoder, decoder, studio.datasets.open(half.run.config.dataset).test);
    expect(Math.abs(mse - latestOf(half.run, 'test', 'mse'))).toBeLessThan(1e-5);
    // And an evaluation of the checkpoint draws no mask either: the same figures twice.
    const first = await clusteringOf(half.runId);
    expect(first?.['kmeans_acc']).toBeTypeOf('number');
    expect(await clusteringOf(half.runId)).toEqual(first);
  });

  it('batch norm trains its moving statistics, and its exported model reproduces the stored test MSE', async () => {
    const config = configWith([{ type: 'batchNorm' }]);
    const { runId, run } = await trained(config);
    const dir = join(out.dir, 'batch-norm');
    await studio.exportRun(runId, dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'encoder', 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: { class_name: string; config: { momentum: number; epsilon: number } }[] } };
    };
    const bn = manifest.modelTopology.config.layers.find((l) => l.class_name === 'BatchNormalization');
    expect(bn?.config).toMatchObject({ momentum: 0.99, epsilon: 0.001 });

    const encoder = await loadExported(dir, 'encoder');
    const decoder = await loadExported(dir, 'decoder');
    const layer = encoder.layers.find((l) => l.getClassName() === 'BatchNormalization');
    const [, , movingMean, movingVariance] = (layer?.getWeights() ?? []).map((w) => Array.from(w.dataSync()));
    // Initially zeros and ones; after 38 training steps they are the codes' statistics.
    expect(Math.max(...(movingMean ?? [0]).map(Math.abs))).toBeGreaterThan(0.05);
    expect(Math.max(...(movingVariance ?? [1]).map((v) => Math.abs(v - 1)))).toBeGreaterThan(0.05);

    const mse = exportedMse(encoder, decoder, studio.datasets.open(config.dataset).test);
    console.log(`exported AE with batch norm: test MSE ${mse} loaded, ${latestOf(run, 'test', 'mse')} stored`);
    expect(Math.abs(mse - latestOf(run, 'test', 'mse'))).toBeLessThan(1e-5);
  });
});

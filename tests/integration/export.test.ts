import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import { finishRun, insertRun } from '../../src/core/store/runs';
import type { Studio } from '../../src/core/studio';
import { parseNpy } from '../../src/core/datasets/npy';
import { defaultRunConfig } from '../../src/families/run-config';
import { tf, tfl, tfRequire, type LayersModel, type Tensor } from '../../src/ml/tf';
import { exportedMse, serve } from './exported-mse';
import { mnistConfig, tempDir, withTestStudio } from './helpers';
import { latestOf } from './latest';

let studio: Studio;
withTestStudio((opened) => (studio = opened));
const out = tempDir('latent-studio-export-');
afterAll(() => out.cleanup());

describe('a trained model leaves the studio', () => {
  it('export writes encoder and decoder that tf.loadLayersModel loads and that reconstruct the test set to the stored MSE', async () => {
    const config = mnistConfig({ trainSubset: 2000, testSubset: 500, epochs: 2 });
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect(run.status).toBe('completed');

    const dir = join(out.dir, 'deep-ae');
    const result = await studio.exportRun(runId, dir);
    expect(result.epoch).toBe(2);
    for (const f of ['encoder/model.json', 'encoder/weights.bin', 'decoder/model.json', 'config.json', 'metrics.csv']) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual(run.config);
    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run_id,split,name,step,epoch,value');
    expect(csv.length - 1).toBe((await studio.api['runs.metrics']({ runId })).length);
    expect(csv).toContain(`${runId},test,mse,${latestStep(run)},2,${latestOf(run, 'test', 'mse')}`);
    // Which run and checkpoint the weights are, and each part's shapes: what the folder alone could not say.
    const about = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    const kept = run.checkpoints.find((c) => c.epoch === 2);
    expect(about['run']).toEqual({ id: runId, name: run.name, experiment: run.experiment, family: 'autoencoder' });
    expect(about['checkpoint']).toMatchObject({
      epoch: 2,
      step: kept?.step,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      chosen: 'the newest that verifies',
    });
    const code = (config.model as { latentSize: number }).latentSize;
    expect(about['parts']?.['encoder']).toMatchObject({ inputs: [[null, 784]], outputs: [[null, code]] });
    expect(about['parts']?.['decoder']).toMatchObject({ inputs: [[null, code]], outputs: [[null, 784]] });

    // Loaded as a web page would: over HTTP, by the model.json and the weight files it names.
    tfRequire('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    const { base, server } = await serve(dir);
    try {
      const encoder: LayersModel = await tfl.loadLayersModel(`${base}/encoder/model.json`);
      const decoder: LayersModel = await tfl.loadLayersModel(`${base}/decoder/model.json`);
      const mse = exportedMse(encoder, decoder, studio.datasets.open(config.dataset).test);
      console.log(`exported deep AE: test MSE ${mse} loaded, ${latestOf(run, 'test', 'mse')} stored`);
      expect(Math.abs(mse - latestOf(run, 'test', 'mse'))).toBeLessThan(1e-5);
    } finally {
      server.close();
    }
  });

  it('a VQ-VAE exports its encoder, decoder and codebook: encoder, nearest row, decoder reconstruct as the run does', async () => {
    const config = defaultRunConfig('vq-vae');
    config.backend = 'wasm';
    config.dataset = { name: 'mnist', trainSubset: 300, testSubset: 50 };
    config.training = { ...config.training, epochs: 1, batchSize: 50, seed: 4 };
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const dir = join(out.dir, 'vq');
    await studio.exportRun(runId, dir);
    const book = parseNpy(readFileSync(join(dir, 'codebook.npy')), 'codebook.npy');
    const model = config.model as { codebookSize: number; codeSize: number };
    expect(book.shape).toEqual([model.codebookSize, model.codeSize]);
    const about = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8')) as {
      arrays: Record<string, { shape: number[]; note?: string }>;
    };
    expect(about.arrays['codebook.npy']?.shape).toEqual(book.shape);
    expect(about.arrays['codebook.npy']?.note).toMatch(/nearest codebook row/);
    tfRequire('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    const { base, server } = await serve(dir);
    try {
      const encoder = await tfl.loadLayersModel(`${base}/encoder/model.json`);
      const decoder = await tfl.loadLayersModel(`${base}/decoder/model.json`);
      const codebook = tf.tensor2d(
        Float32Array.from({ length: book.size }, (_, i) => book.get(i)),
        book.shape as [number, number],
      );
      const quantised: LayersModel = {
        predict: (x: Tensor) => {
          const rows = tf.reshape(encoder.predict(x) as Tensor, [-1, model.codeSize]);
          const far = tf.sum(tf.square(tf.sub(tf.expandDims(rows, 1), tf.expandDims(codebook, 0))), 2);
          return tf.reshape(tf.gather(codebook, tf.argMin(far, 1)), [x.shape[0] ?? 0, -1]);
        },
      } as unknown as LayersModel;
      const mse = exportedMse(quantised, decoder, studio.datasets.open(config.dataset).test);
      const run = await studio.api['runs.get']({ runId });
      expect(Math.abs(mse - latestOf(run, 'test', 'mse'))).toBeLessThan(1e-5);
    } finally {
      server.close();
    }
  });

  it('a run whose data set was deleted since still exports: its model is built for the images the run recorded', async () => {
    await studio.api['datasets.generate']({ generator: 'shapes', seed: 5, count: 120, name: 'gone-soon' });
    const config = defaultRunConfig('autoencoder');
    config.backend = 'wasm';
    config.dataset = { name: 'gone-soon' };
    config.training = { ...config.training, epochs: 1, batchSize: 36 };
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect(run.environment?.modelInput).toEqual({ height: 64, width: 64, channels: 1, classes: 3, trainCount: 108 });
    expect(await studio.api['datasets.delete']({ name: 'gone-soon' })).toEqual({ deleted: true });
    // What needs its images again is refused at once, naming the run and the set (not an internal error in a worker).
    for (const call of [
      () => studio.api['explorer.open']({ runId }),
      () => studio.api['evaluations.start']({ runId, what: ['clustering'] }),
      () => studio.api['prior.start']({ runId }),
      // (Before anything else is asked of it: it failed in its worker with an internal error.)
      () => studio.api['runs.sample']({ runId, n: 2 }),
    ])
      await expect(call()).rejects.toMatchObject({
        code: 'conflict',
        message: `runId: run ${runId} was trained on data set gone-soon, which is no longer here (deleted since it trained?): import or generate it again under that name`,
      });
    const dir = join(out.dir, 'gone');
    await studio.exportRun(runId, dir);
    const topology = JSON.parse(readFileSync(join(dir, 'encoder', 'model.json'), 'utf8')) as {
      modelTopology: { config: { layers: { config: { batch_input_shape?: number[] } }[] } };
    };
    expect(topology.modelTopology.config.layers[0]?.config.batch_input_shape).toEqual([null, 4096]);
  });

  it('refuses a run without a usable checkpoint, naming runId (export and extension alike)', async () => {
    const runId = insertRun(studio.db, mnistConfig(), 'hash');
    finishRun(studio.db, runId, 'completed', null);
    for (const [name, input] of [
      ['runs.export', { runId }],
      ['runs.resume', { runId, addEpochs: 1 }],
    ] as const) {
      const answer = await dispatch(studio.api, name, input);
      expect(answer.ok ? null : [answer.error.code, answer.error.issues?.map((i) => i.path)], name).toEqual([
        'conflict',
        ['runId'],
      ]);
    }
    await studio.api['runs.delete']({ runId });
  });

  it('the API exports only into the studio’s own folder', async () => {
    const [run] = await studio.api['runs.list']({});
    if (!run) throw new Error('expected the run of the test before');
    const result = await studio.api['runs.export']({ runId: run.id });
    expect(relative(join(studio.datasets.store.root, '..', 'exports'), result.outDir).startsWith('..')).toBe(false);
    expect(existsSync(join(result.outDir, 'decoder', 'model.json'))).toBe(true);
  });
});

function latestStep(run: { latest: { split: string; name: string; step: number }[] }): number {
  return run.latest.find((m) => m.split === 'test' && m.name === 'mse')?.step ?? -1;
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import type { Studio } from '../../src/core/studio';
import { type RunConfig } from '../../src/shared/config';
import { SweepSpec } from '../../src/shared/sweep';
import { defaultRunConfig } from '../../src/families/run-config';
import { latestOf } from './latest';
import { npy } from '../../src/core/datasets/import-fixtures';
import { tempDir, withTestStudio } from './helpers';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

function shapesConfig(): RunConfig {
  const c = defaultRunConfig('autoencoder');
  c.backend = 'wasm';
  c.model = {
    encoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    latentSize: 10,
    decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    outputActivation: 'sigmoid',
  };
  c.dataset = { name: 'shapes', trainSubset: 2500, testSubset: 500 };
  c.training = { loss: 'bce', batchSize: 32, epochs: 3, learningRate: 0.002, optimizer: 'adam', seed: 1 };
  return c;
}

describe('data sets through the studio', () => {
  it('refuses a config naming a set that does not exist, or asking for more images than it has, naming the field', async () => {
    const unknown = { ...shapesConfig(), dataset: { name: 'cats' } };
    const r1 = await dispatch(studio.api, 'runs.start', { config: unknown });
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error.issues).toContainEqual({ path: 'dataset.name', message: 'no data set named cats' });
    const tooMany = { ...shapesConfig(), dataset: { name: 'mnist', testSubset: 20000 } };
    const r2 = await dispatch(studio.api, 'runs.start', { config: tooMany });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.error.issues).toContainEqual({ path: 'dataset.testSubset', message: 'mnist has 10000 test images' });
    const wrongSecond = { ...defaultRunConfig('deepfake'), dataset: { name: 'mnist', second: 'faces-b' } };
    const r3 = await dispatch(studio.api, 'runs.start', { config: wrongSecond });
    expect(r3.ok).toBe(false);
    if (!r3.ok) expect(r3.error.issues?.[0]).toMatchObject({ path: 'dataset.second', message: expect.stringMatching(/64x64x3/) });
    expect(await studio.api['runs.list']({})).toEqual([]);
  });

  it('counts the images of a class selection before the run: a validation split, a batch and DEC’s clusters', async () => {
    const refused = async (config: RunConfig) => {
      const r = await dispatch(studio.api, 'runs.start', { config });
      return r.ok ? 'started' : [r.error.code, r.error.issues];
    };
    const one = shapesConfig();
    one.dataset = { name: 'mnist', classes: [3], trainSubset: 1, validationFraction: 0.1 };
    one.training = { ...one.training, batchSize: 1 };
    expect(await refused(one)).toEqual([
      'bad_request',
      [{ path: 'dataset.validationFraction', message: 'a validation split needs at least 2 training images, and there are 1' }],
    ]);
    // DEC's k-means starts from a code per cluster: one per class here, three classes and two images.
    const dec = defaultRunConfig('deep-clustering');
    dec.dataset = { name: 'mnist', classes: [1, 2, 3], trainSubset: 2 };
    dec.training = { ...dec.training, batchSize: 2 };
    expect(await refused(dec)).toEqual([
      'bad_request',
      [
        {
          path: 'model.clusters',
          message:
            '3 clusters (one per class) need at least 3 training images for k-means to start from, and the run trains on 2',
        },
      ],
    ]);
    expect(await studio.api['runs.list']({})).toEqual([]);
  });

  it('a model with a 10-D latent trained on Shapes reconstructs held-out shapes well below the mean-image baseline', async () => {
    // The first run naming `shapes` generates it (seed 0, 20,000 images), stored once for every later run.
    const { runId } = await studio.api['runs.start']({ config: shapesConfig() });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect(run.error).toBeNull();
    const info = (await studio.api['datasets.list']({})).find((d) => d.name === 'shapes');
    expect(info).toMatchObject({ stored: true, trainCount: 18000, testCount: 2000, classes: 3 });

    const mse = latestOf(run, 'test', 'mse');
    const baseline = latestOf(run, 'test', 'baseline_mse');
    // Shapes are small white sprites on black: predicting black everywhere costs the share of white pixels.
    const test = studio.datasets.open({ name: 'shapes', testSubset: 500 }).test;
    const bytes = new Uint8Array(test.count * 4096);
    test.readBytes(
      Array.from({ length: test.count }, (_, i) => i),
      bytes,
    );
    const black = bytes.reduce((s, v) => s + (v / 255) ** 2, 0) / bytes.length;
    console.log(
      `Shapes, 10-D latent: test MSE ${mse.toFixed(4)}, mean-image baseline ${baseline.toFixed(4)} (${((100 * mse) / baseline).toFixed(0)} %), all-black ${black.toFixed(4)}`,
    );
    expect(mse).toBeLessThan(0.4 * baseline);
    expect(mse).toBeLessThan(0.4 * black);
    expect(run.environment?.datasetHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a VAE trains on an unlabelled set, and draws its views (it failed after its first epoch)', async () => {
    const tmp = tempDir();
    try {
      const count = 160;
      const images = Uint8Array.from({ length: count * 256 }, (_, i) => ((i * 37) % 251) * ((i >> 8) % 2));
      writeFileSync(join(tmp.dir, 'plain.npy'), npy('|u1', [count, 16, 16], images));
      await studio.api['datasets.import']({ path: join(tmp.dir, 'plain.npy'), name: 'plain' });
      expect((await studio.api['datasets.list']({})).find((d) => d.name === 'plain')).toMatchObject({ classes: 0 });
      const config = defaultRunConfig('vae');
      config.dataset = { name: 'plain' };
      config.training = { ...config.training, epochs: 1, batchSize: 16 };
      const { runId } = await studio.api['runs.start']({ config });
      await studio.orchestrator.whenEnded(runId);
      const run = await studio.api['runs.get']({ runId });
      expect(run.error).toBeNull();
      expect(run.status).toBe('completed');
      const kinds = new Set((await studio.api['artifacts.list']({ runId })).map((a) => a.kind));
      expect([...kinds]).toEqual(expect.arrayContaining(['reconstructions', 'latent-traversal', 'prior-samples']));
    } finally {
      tmp.cleanup();
    }
  });

  it('a deepfake trained on a generated twin pair swaps A into B’s true twin far better than no swap', async () => {
    await studio.api['datasets.generate']({ generator: 'faces', seed: 1, count: 1000, name: 'twins' });
    const config = {
      ...defaultRunConfig('deepfake'),
      backend: 'wasm',
      model: {
        encoder: [{ type: 'dense', units: 128, activation: 'relu' }],
        latentSize: 16,
        decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
        outputActivation: 'sigmoid',
      },
      dataset: { name: 'twins-a', second: 'twins-b' },
      training: { loss: 'bce', batchSize: 32, epochs: 1, learningRate: 0.002, optimizer: 'adam', seed: 1 },
    } as RunConfig;
    const { runId } = await studio.api['runs.start']({ config });
    await studio.orchestrator.whenEnded(runId);
    const run = await studio.api['runs.get']({ runId });
    expect(run.error).toBeNull();
    const swap = latestOf(run, 'test', 'swap_mse');
    const twin = latestOf(run, 'test', 'twin_mse');
    console.log(`deepfake on faces: swap MSE against the true twin ${swap.toFixed(4)}, no swap ${twin.toFixed(4)}`);
    expect(swap).toBeLessThan(0.5 * twin);
    const views = (await studio.api['artifacts.list']({ runId })).map((a) => a.kind);
    expect(views).toEqual(expect.arrayContaining(['swap-a', 'swap-b']));
  });

  it('lists, details, samples and deletes sets through the API', async () => {
    const [a, b] = await studio.api['datasets.generate']({ generator: 'faces', seed: 2, count: 30, name: 'tiny' });
    expect([a?.name, b?.name]).toEqual(['tiny-a', 'tiny-b']);
    const page = await studio.api['datasets.samples']({ name: 'tiny-a', split: 'test', offset: 0, count: 48 });
    expect(page.total).toBe(3);
    expect(page.samples).toHaveLength(3);
    expect(Buffer.from(page.samples[0]!.png, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(page.samples[0]!.factors).toHaveLength(5);
    const detail = await studio.api['datasets.get']({ name: 'shapes' });
    expect(detail.trainLabelCounts.reduce((s, c) => s + c, 0)).toBe(18000);
    // Each shape is about a third of the set.
    for (const c of detail.trainLabelCounts) expect(c / 18000).toBeGreaterThan(0.3);

    const taken = await dispatch(studio.api, 'datasets.generate', { generator: 'faces', seed: 2, count: 30, name: 'tiny' });
    expect(taken.ok).toBe(false);
    if (!taken.ok) expect(taken.error.code).toBe('conflict');
    // Refusals of a name carry it as their field; a faces set's name leaves room for its -a and -b.
    expect(taken.ok ? null : taken.error.issues?.map((i) => i.path)).toEqual(['name']);
    const long = await dispatch(studio.api, 'datasets.generate', {
      generator: 'faces',
      seed: 2,
      count: 30,
      name: 'f'.repeat(63),
    });
    expect(long.ok ? null : long.error.issues).toEqual([
      { path: 'name', message: 'a faces set is stored as 2 (<name>-a, <name>-b), each at most 64 characters: give at most 62' },
    ]);
    const builtin = await dispatch(studio.api, 'datasets.delete', { name: 'mnist' });
    expect(builtin).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: 'mnist is a built-in data set and cannot be deleted' },
    });
    expect((await studio.api['datasets.list']({})).map((d) => d.name)).toContain('mnist');
    expect(await studio.api['datasets.delete']({ name: 'tiny-a' })).toEqual({ deleted: true });
    expect((await studio.api['datasets.list']({})).map((d) => d.name)).not.toContain('tiny-a');
  });

  it('keeps a set that work in the queue needs: deleting it is refused until that work ends', async () => {
    await studio.api['datasets.generate']({ generator: 'shapes', seed: 3, count: 100, name: 'queued-on' });
    const config = defaultRunConfig('autoencoder');
    config.dataset = { name: 'queued-on' };
    config.training = { ...config.training, epochs: 1, batchSize: 30 };
    await studio.api['scheduler.set']({ paused: true });
    try {
      const { runId } = await studio.api['runs.start']({ config });
      const refused = await dispatch(studio.api, 'datasets.delete', { name: 'queued-on' });
      expect(refused).toMatchObject({
        ok: false,
        error: {
          code: 'conflict',
          message: `the training of run ${runId} is queued on queued-on: cancel it first, or let it end`,
        },
      });
      await studio.api['runs.cancel']({ runId });
      // A bayes sweep on it with proposals still to make: one is always in the queue (a cancelled or deleted one is
      // proposed again), so it is refused until the sweep is cancelled.
      const spec = SweepSpec.parse({
        name: 'on-queued-on',
        method: 'bayes',
        count: 4,
        concurrency: 1,
        base: config,
        metric: { name: 'test.loss', goal: 'minimize' },
        parameters: { 'training.learningRate': { min: 1e-4, max: 1e-2, distribution: 'log_uniform_values' } },
      });
      const { sweepId, runs } = await studio.api['sweeps.create']({ spec });
      for (const r of runs) if (r.runId !== null) await studio.api['runs.delete']({ runId: r.runId });
      const bySweep = await dispatch(studio.api, 'datasets.delete', { name: 'queued-on' });
      expect(bySweep.ok ? null : bySweep.error.message).toMatch(
        /^the training of run \d+ is queued on queued-on: cancel it first/,
      );
      await studio.api['sweeps.cancel']({ sweepId: sweepId! });
      expect(await studio.api['datasets.delete']({ name: 'queued-on' })).toEqual({ deleted: true });
    } finally {
      await studio.api['scheduler.set']({ paused: false });
    }
  });
});

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import type { Studio } from '../../src/core/studio';
import { integrityCheck } from '../../src/core/store/db';
import { latestOf } from './latest';
import { mnistConfig, withTestStudio } from './helpers';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

async function trainToEnd(config: Parameters<typeof studio.orchestrator.start>[0]) {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  return studio.api['runs.get']({ runId });
}

describe('training the deep autoencoder on real MNIST', () => {
  it('reaches a test MSE well below the mean-image baseline', async () => {
    // Each checkpoint kept is told as it is (the run's page moves its checkpoints and history on with it).
    const kept: number[] = [];
    const off = studio.events.on((e) => {
      if (e.name === 'run.checkpoint') kept.push(e.payload.epoch);
    });
    const run = await trainToEnd(mnistConfig({ trainSubset: 6000, testSubset: 1000, epochs: 3 }));
    off();
    expect(kept).toEqual([1, 2, 3]);
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    const testMse = latestOf(run, 'test', 'mse');
    const baseline = latestOf(run, 'test', 'baseline_mse');
    console.log(
      `test MSE ${testMse.toFixed(5)} vs mean-image baseline ${baseline.toFixed(5)} (${((100 * testMse) / baseline).toFixed(1)} %)`,
    );
    expect(baseline).toBeGreaterThan(0.05);
    expect(testMse).toBeLessThan(0.5 * baseline);

    // Everything the run produced is stored: curves, one image and one checkpoint per epoch, the environment.
    const metrics = await studio.api['runs.metrics']({ runId: run.id });
    expect(metrics.filter((m) => m.split === 'test' && m.name === 'loss').map((m) => m.epoch)).toEqual([1, 2, 3]);
    const artifacts = await studio.api['artifacts.list']({ runId: run.id });
    expect(artifacts.map((a) => a.epoch)).toEqual([1, 2, 3]);
    const png = studio.artifact(artifacts[0]!.id);
    expect(png?.data.subarray(1, 4).toString()).toBe('PNG');
    expect(png?.data.byteLength).toBe(artifacts[0]!.sizeBytes);
    expect(run.checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3]);
    for (const c of run.checkpoints) expect(existsSync(c.path)).toBe(true);
    expect(run.environment?.backend.name).toBe('wasm');
    expect(run.environment?.datasetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.environment?.configHash).toBe(run.configHash);
  });

  it('trains the same config and seed to the same loss curve twice', async () => {
    const config = mnistConfig({ trainSubset: 2000, testSubset: 500, epochs: 2, seed: 7 });
    const a = await trainToEnd(config);
    const b = await trainToEnd(config);
    const curve = async (runId: number) =>
      (await studio.api['runs.metrics']({ runId })).map((m) => `${m.split}/${m.name}@${m.step}=${m.value}`);
    const [ca, cb] = [await curve(a.id), await curve(b.id)];
    expect(ca.length).toBeGreaterThan(20);
    expect(cb).toEqual(ca);
    // and another seed gives another curve
    const c = await trainToEnd({ ...config, training: { ...config.training, seed: 8 } });
    expect(await curve(c.id)).not.toEqual(ca);
  });

  it('marks a run whose worker is killed as interrupted and leaves other runs and the database intact', async () => {
    const before = await studio.api['runs.list']({});
    const { runId } = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 60000, epochs: 5 }) });
    await new Promise<void>((resolve) => {
      const off = studio.events.on((e) => {
        if (e.name === 'run.progress' && e.payload.runId === runId && e.payload.step >= 5) {
          off();
          resolve();
        }
      });
    });
    const pid = studio.orchestrator.workerPid(runId);
    expect(pid).toBeTypeOf('number');
    process.kill(pid as number, 'SIGKILL');
    await studio.orchestrator.whenEnded(runId);

    const killed = await studio.api['runs.get']({ runId });
    expect(killed.status).toBe('interrupted');
    expect(killed.error).toMatch(/killed/);
    const after = await studio.api['runs.list']({});
    expect(after.filter((r) => r.id !== runId)).toEqual(before);
    expect(integrityCheck(studio.db)).toBe('ok');
  });

  it('refuses a bad config through the API, naming the field, and writes nothing', async () => {
    const before = (await studio.api['runs.list']({})).length;
    const bad = { ...mnistConfig(), model: { ...mnistConfig().model, latentSize: 0 } };
    const r = await dispatch(studio.api, 'runs.start', { config: bad });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad_request');
      expect(r.error.issues?.map((i) => i.path)).toEqual(['model.latentSize']);
      expect(r.error.message).toContain('model.latentSize');
    }
    expect((await studio.api['runs.list']({})).length).toBe(before);
  });
});

describe('training health', () => {
  it('stops a run whose loss explodes, with a message that says so', async () => {
    const config = mnistConfig({ trainSubset: 2000, epochs: 2 });
    const linear = { type: 'dense' as const, units: 64, activation: 'linear' as const };
    config.model = { encoder: [linear], latentSize: 16, decoder: [linear], outputActivation: 'linear' } as typeof config.model;
    // 250 steps an epoch: one in five logged (logEvery), so keeping every step read before the blow-up is what keeps them.
    config.training = { ...config.training, optimizer: 'sgd', learningRate: 10, batchSize: 8 };
    const run = await trainToEnd(config);
    expect(run.status).toBe('failed');
    const [, failedAt] =
      /the loss (?:exploded to \d\.\d\de\+\d+ \(beyond 1e8\)|became NaN|became infinite) at epoch 1, step (\d+); training stopped/.exec(
        run.error ?? '',
      ) ?? [null, 'none'];
    expect(failedAt, run.error ?? '').toMatch(/^\d+$/);
    // Its curve up to the blow-up is kept, every step of it: the chart shows where it went.
    const steps = (await studio.api['runs.metrics']({ runId: run.id })).filter((m) => m.name === 'batch_loss').map((m) => m.step);
    expect(steps.length).toBeGreaterThan(1);
    expect(Math.max(...steps)).toBeLessThanOrEqual(Number(failedAt));
    // Step after step from the first, none missing (where only every fifth is logged in a healthy epoch).
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
  });
});

describe('cancelling', () => {
  it('kills the worker and marks the run cancelled', async () => {
    const { runId } = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 60000, epochs: 3 }) });
    await new Promise<void>((resolve) => {
      const off = studio.events.on((e) => {
        if (e.name === 'run.status' && e.payload.runId === runId && e.payload.status === 'running') {
          off();
          resolve();
        }
      });
    });
    const pid = studio.orchestrator.workerPid(runId);
    expect(pid).toBeTypeOf('number');
    expect(() => process.kill(pid!, 0)).not.toThrow();
    expect((await studio.api['runs.cancel']({ runId })).status).toBe('cancelled');
    // Gone: no such process (ESRCH), not a call that could not name one.
    expect(() => process.kill(pid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    const run = await studio.api['runs.get']({ runId });
    expect(run.status).toBe('cancelled');
    expect(run.endedAt).not.toBeNull();
  });
});

import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getJob, listJobs } from '../../src/core/store/jobs';
import { createStudio, findPreset, type Studio } from '../../src/core/studio';
import type { RunConfig } from '../../src/shared/config';
import { countingLauncher } from './counting-launcher';
import { mnistConfig, openTestStudio, tempDir } from './helpers';
import { startHostProcess } from './host-process';
import { WorkerGate } from './worker-gate';

/** A small VQ-VAE (the MLP preset: a 4×4 grid of 64 codes) on a slice of MNIST. */
function smallVqVae(seed: number): RunConfig {
  const config = findPreset('vq-vae-mlp');
  if (config?.family !== 'vq-vae') throw new Error('no vq-vae-mlp preset');
  config.backend = 'wasm';
  config.dataset = { name: 'mnist', trainSubset: 600, testSubset: 200 };
  config.model = {
    ...config.model,
    encoder: [{ type: 'dense', units: 64, activation: 'relu' }],
    decoder: [{ type: 'dense', units: 64, activation: 'relu' }],
  };
  config.training = { ...config.training, loss: 'bce', epochs: 1, batchSize: 32, seed };
  return config;
}

const ended = new Set(['completed', 'failed', 'cancelled']);

/** Waits until a job has ended in the database, whichever studio runs it. */
async function jobEnded(studio: Studio, id: number, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = getJob(studio.db, id);
    if (job && ended.has(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${job?.state} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A finished autoencoder run and a finished VQ-VAE run to evaluate and model. */
async function trainedRuns(studio: Studio): Promise<{ ae: number; vq: number }> {
  const { runId: ae } = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 600, testSubset: 300, seed: 4 }) });
  const { runId: vq } = await studio.api['runs.start']({ config: smallVqVae(5) });
  await Promise.all([studio.orchestrator.whenEnded(ae), studio.orchestrator.whenEnded(vq)]);
  for (const runId of [ae, vq]) expect((await studio.api['runs.get']({ runId })).status).toBe('completed');
  return { ae, vq };
}

describe('one scheduler for training runs, evaluations and priors', () => {
  it('at a limit of 1, a training run, an evaluation and a prior never run at once, and start in the order asked', async () => {
    const tmp = tempDir();
    const { launcher, stats } = countingLauncher();
    const studio = createStudio({
      dbPath: join(tmp.dir, 'studio.db'),
      launcher,
      transport: 'headless',
      orchestrator: { cores: 2 },
    });
    try {
      await studio.api['scheduler.set']({ maxConcurrent: 1 });
      const { ae, vq } = await trainedRuns(studio);
      const { runId } = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 600, testSubset: 200, seed: 6 }) });
      const { evaluationId } = await studio.api['evaluations.start']({ runId: ae, what: ['clustering'], seed: 1 });
      const { jobId } = await studio.api['prior.start']({ runId: vq, epochs: 1, seed: 1 });
      expect(await studio.api['scheduler.get']({})).toMatchObject({
        running: 1,
        queued: 2,
        byKind: { train: { running: 1, queued: 0 }, evaluate: { running: 0, queued: 1 }, prior: { running: 0, queued: 1 } },
      });
      await studio.orchestrator.whenEnded(runId);
      await studio.evaluations.whenEnded(evaluationId);
      await studio.priors.whenEnded(jobId);
      expect((await studio.api['runs.get']({ runId })).status).toBe('completed');
      expect(studio.evaluations.get(evaluationId)?.status).toBe('completed');
      expect((await studio.api['prior.get']({ runId: vq }))?.status).toBe('completed');
      expect(stats.maxAlive).toBe(1);
      expect(stats.kinds).toEqual(['train', 'train', 'train', 'evaluate', 'prior']);
      // One table holds them all, each completed.
      expect(studio.db.prepare('SELECT kind, state FROM jobs ORDER BY id').all()).toEqual(
        ['train', 'train', 'train', 'evaluate', 'prior'].map((kind) => ({ kind, state: 'completed' })),
      );
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it('a queued job can be cancelled, and a running one has its worker stopped', async () => {
    const tmp = tempDir();
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    try {
      await studio.api['scheduler.set']({ maxConcurrent: 1 });
      const { vq } = await trainedRuns(studio);
      const first = (await studio.api['prior.start']({ runId: vq, epochs: 50, seed: 1 })).jobId;
      const second = (await studio.api['prior.start']({ runId: vq, epochs: 1, seed: 2 })).jobId;
      expect(getJob(studio.db, second)?.state).toBe('queued');
      // A run's training is a job too: cancelling it cancels the run.
      const { runId } = await studio.api['runs.start']({ config: mnistConfig({ trainSubset: 600, testSubset: 200 }) });
      const [training] = listJobs(studio.db, runId, 'train');
      expect(training?.state).toBe('queued');
      // The queue, every kind in one list: the prior holding the slot, then what waits in the order it starts.
      while (getJob(studio.db, first)?.state !== 'running') await new Promise((r) => setTimeout(r, 50));
      expect(
        (await studio.api['jobs.list']({})).map((j) => [j.id, j.kind, j.state, j.runId, j.detail, j.heldHere, j.executor]),
      ).toEqual([
        [first, 'prior', 'running', vq, 'PixelCNN prior, 50 epochs', true, 'local'],
        [second, 'prior', 'queued', vq, 'PixelCNN prior, 1 epoch', true, 'local'],
        [training!.id, 'train', 'queued', runId, '1 epoch', true, 'local'],
      ]);
      // Moved to the front, the run starts next; what runs cannot be moved.
      expect(await studio.api['jobs.moveToFront']({ jobId: training!.id })).toEqual({ moved: true });
      expect((await studio.api['jobs.list']({})).map((j) => j.id)).toEqual([first, training!.id, second]);
      expect(await studio.api['jobs.moveToFront']({ jobId: first })).toEqual({ moved: false });
      await expect(studio.api['jobs.moveToFront']({ jobId: 9999 })).rejects.toThrow(/^jobId: job 9999 does not exist/);
      expect(await studio.api['jobs.cancel']({ jobId: training!.id })).toEqual({ cancelled: true });
      expect((await studio.api['runs.get']({ runId })).status).toBe('cancelled');
      expect(getJob(studio.db, training!.id)).toMatchObject({
        state: 'cancelled',
        error: 'cancelled by the user before it started',
      });
      expect(await studio.api['jobs.cancel']({ jobId: training!.id })).toEqual({ cancelled: false });
      expect(await studio.api['jobs.cancel']({ jobId: second })).toEqual({ cancelled: true });
      expect(getJob(studio.db, second)).toMatchObject({ state: 'cancelled', error: 'cancelled by the user before it started' });
      await expect(studio.api['jobs.cancel']({ jobId: 9999 })).rejects.toThrow(/^jobId: job 9999 does not exist/);
      while (getJob(studio.db, first)?.state !== 'running') await new Promise((r) => setTimeout(r, 50));
      expect(await studio.api['jobs.cancel']({ jobId: first })).toEqual({ cancelled: true });
      await studio.priors.whenEnded(first);
      expect(getJob(studio.db, first)).toMatchObject({ state: 'cancelled', error: 'cancelled by the user' });
      expect(await studio.api['jobs.cancel']({ jobId: first })).toEqual({ cancelled: false });
      expect((await studio.api['scheduler.get']({})).running).toBe(0);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it('killed while an evaluation is queued and a prior trains, the studio finishes both after a restart, with the figures of uninterrupted jobs', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const first = openTestStudio(dbPath);
    const { ae, vq } = await trainedRuns(first);
    await first.api['scheduler.set']({ maxConcurrent: 1 });
    await first.close();

    // The studio as its own process, its prior's worker held after epoch 1 of 2.
    const gate = new WorkerGate(tmp.dir);
    gate.holdAt(1);
    const host = await startHostProcess(dbPath);
    let second: Studio | undefined;
    try {
      const { jobId } = (await host.call('prior.start', { runId: vq, epochs: 2, seed: 3 })) as { jobId: number };
      const { evaluationId } = (await host.call('evaluations.start', { runId: ae, what: ['clustering'], seed: 2 })) as {
        evaluationId: number;
      };
      await gate.held(1);
      const exited = once(host.process, 'exit');
      host.process.kill('SIGKILL');
      await exited;
      gate.remove();

      second = openTestStudio(dbPath);
      const [prior, evaluation] = [await jobEnded(second, jobId), await jobEnded(second, evaluationId)];
      expect([prior.state, prior.error, prior.restarts]).toEqual(['completed', null, 1]);
      expect([evaluation.state, evaluation.error, evaluation.restarts]).toEqual(['completed', null, 0]);

      // The same requests, uninterrupted.
      const again = {
        prior: (await second.api['prior.start']({ runId: vq, epochs: 2, seed: 3 })).jobId,
        evaluation: (await second.api['evaluations.start']({ runId: ae, what: ['clustering'], seed: 2 })).evaluationId,
      };
      await second.priors.whenEnded(again.prior);
      await second.evaluations.whenEnded(again.evaluation);
      const figures = (id: number) => second?.evaluations.get(id)?.figures;
      expect(figures(evaluationId)).toEqual(figures(again.evaluation));
      expect(Object.keys(figures(evaluationId) ?? {})).toContain('kmeans_acc');
      const priorFigures = (id: number) => getJob(second!.db, id)?.result?.['figures'];
      expect(priorFigures(jobId)).toEqual(priorFigures(again.prior));
      expect(priorFigures(jobId)).toHaveProperty('nll_bits');
      console.log(
        `restarted prior: ${JSON.stringify(priorFigures(jobId))}; restarted evaluation: ${JSON.stringify(figures(evaluationId))}`,
      );
    } finally {
      gate.remove();
      if (host.process.exitCode === null) host.process.kill('SIGKILL');
      await second?.close();
      tmp.cleanup();
    }
  });
});

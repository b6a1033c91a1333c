import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SweepDetail } from '../../src/shared/api';
import { SweepSpec, type SweepSpecInput } from '../../src/shared/sweep';
import { readMetrics } from '../../src/core/store/metrics';
import { judgeAtRung } from '../../src/core/sweeps/asha';
import { startHostProcess } from './host-process';
import { openTestStudio, tempDir } from './helpers';

/** A small MLP autoencoder on 600 MNIST images: an epoch is about ten steps. */
function sweep(name: string, over: Partial<SweepSpecInput>): SweepSpecInput {
  return {
    name,
    method: 'random',
    count: 9,
    seed: 4,
    base: {
      family: 'autoencoder',
      backend: 'wasm',
      model: {
        encoder: [{ type: 'dense', units: 64, activation: 'relu' }],
        latentSize: 8,
        decoder: [{ type: 'dense', units: 64, activation: 'relu' }],
        outputActivation: 'sigmoid',
      },
      dataset: { name: 'mnist', trainSubset: 600, testSubset: 200 },
      training: { loss: 'bce', batchSize: 64, epochs: 9, learningRate: 0.001, optimizer: 'adam', seed: 1 },
    },
    parameters: { 'training.learningRate': { min: 1e-4, max: 3e-2, distribution: 'log_uniform_values' } },
    ...over,
  };
}

const ended = (s: SweepDetail) => s.runs.every((r) => !['queued', 'running', 'interrupted'].includes(r.status));

async function untilOver(get: () => Promise<SweepDetail>, planned: number, timeoutMs = 240_000): Promise<SweepDetail> {
  const start = Date.now();
  for (;;) {
    const s = await get();
    if (s.runs.length === planned && ended(s)) return s;
    if (Date.now() - start > timeoutMs) throw new Error(`sweep not over: ${JSON.stringify(s.runs.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('Hyperband (ASHA) in a real sweep', () => {
  it('9 runs of up to 9 epochs: runs stop at rungs 1 and 3 by the rule, fewer than 60 % of the epochs train', async () => {
    const tmp = tempDir();
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    try {
      studio.orchestrator.maxConcurrent = 2;
      const spec = SweepSpec.parse(
        sweep('asha', {
          metric: { name: 'test.loss', goal: 'minimize' },
          early_terminate: { type: 'hyperband', min_iter: 1, eta: 3 },
        }),
      );
      const { sweepId } = await studio.api['sweeps.create']({ spec });
      if (sweepId === null) throw new Error('no sweep');
      const done = await untilOver(() => studio.api['sweeps.get']({ sweepId }), 9);
      const epochs = done.runs.map((r) =>
        Math.max(
          0,
          ...readMetrics(studio.db, r.runId)
            .filter((m) => m.split === 'train' && m.name === 'loss')
            .map((m) => m.epoch),
        ),
      );
      const trained = epochs.reduce((a, b) => a + b, 0);
      console.log(
        `ASHA: epochs per run ${epochs.join(', ')}: ${trained} of 81 (${((100 * trained) / 81).toFixed(0)} %); statuses ${done.runs.map((r) => r.status).join(', ')}`,
      );
      expect(trained).toBeLessThan(0.6 * 81);
      expect(done.runs.some((r) => r.status === 'completed')).toBe(true);
      // Every decision follows the rule against the values recorded at its rung before it.
      for (const rung of [0, 1]) {
        const at = done.rungs.filter((r) => r.rung === rung);
        at.forEach((r, i) => {
          expect(r.epoch).toBe(rung === 0 ? 1 : 3);
          expect(r.decision).toBe(
            judgeAtRung(
              at.slice(0, i).map((p) => p.value),
              r.value,
              3,
            ).decision,
          );
        });
      }
      expect(done.rungs.filter((r) => r.rung === 0)).toHaveLength(9);
      for (const r of done.runs) {
        const record = done.rungs.find((x) => x.runId === r.runId && x.decision === 'stopped');
        const run = await studio.api['runs.get']({ runId: r.runId });
        if (r.status === 'stopped') {
          // Stopped where it was judged, with the reason and a checkpoint of that epoch to extend it from.
          expect(record, `run ${r.runId}`).toBeDefined();
          expect(epochs[done.runs.indexOf(r)]).toBe(record?.epoch);
          expect(run.error).toMatch(/stopped by Hyperband at rung \d \(epoch \d\): test\.loss .* not in the top 1\/3/);
          expect(run.checkpoints.map((c) => c.epoch)).toContain(record?.epoch);
        } else {
          expect(r.status).toBe('completed');
          expect(epochs[done.runs.indexOf(r)]).toBe(9);
        }
      }
      // A stopped run extended by the user trains to its end, judged no more.
      const stopped = done.runs.find((r) => r.status === 'stopped');
      if (stopped) {
        await studio.api['runs.resume']({ runId: stopped.runId });
        await studio.orchestrator.whenEnded(stopped.runId);
        const run = await studio.api['runs.get']({ runId: stopped.runId });
        expect(run.status).toBe('completed');
        expect(run.latest.find((m) => m.split === 'train' && m.name === 'loss')?.step).toBeGreaterThan(0);
      }
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  }, 300_000);
});

describe('a bayes sweep stopped and resumed', () => {
  it('proposes from then on the configs the same sweep proposes uninterrupted', async () => {
    const tmp = tempDir();
    const spec = (name: string) =>
      sweep(name, {
        method: 'bayes',
        count: 6,
        concurrency: 2,
        startup_trials: 2,
        metric: { name: 'test.loss', goal: 'minimize' },
        parameters: {
          'training.learningRate': { min: 1e-4, max: 3e-2, distribution: 'log_uniform_values' },
          'model.latentSize': { min: 2, max: 16, distribution: 'int_uniform' },
        },
        base: {
          ...(sweep('x', {}).base as object),
          training: { loss: 'bce', batchSize: 64, epochs: 2, learningRate: 0.001, optimizer: 'adam', seed: 1 },
        },
      });
    try {
      // Uninterrupted, in a studio of its own.
      const a = openTestStudio(join(tmp.dir, 'a.db'));
      let whole: SweepDetail;
      try {
        a.orchestrator.maxConcurrent = 2;
        const { sweepId } = await a.api['sweeps.create']({ spec: SweepSpec.parse(spec('whole')) });
        whole = await untilOver(() => a.api['sweeps.get']({ sweepId: sweepId as number }), 6);
      } finally {
        await a.close();
      }
      // The same sweep in a studio process killed (SIGKILL) while its third run trains, then started again.
      const dbPath = join(tmp.dir, 'b.db');
      let host = await startHostProcess(dbPath);
      await host.call('scheduler.set', { maxConcurrent: 2 });
      const { sweepId } = (await host.call('sweeps.create', { spec: spec('killed') })) as { sweepId: number };
      const get = async () => (await host.call('sweeps.get', { sweepId })) as SweepDetail;
      for (let s = await get(); !(s.runs.length >= 3 && s.runs[2]?.status === 'running'); s = await get())
        await new Promise((r) => setTimeout(r, 200));
      host.process.kill('SIGKILL');
      await once(host.process, 'exit');
      host = await startHostProcess(dbPath);
      try {
        const resumed = await untilOver(get, 6);
        // The kill interrupted the third run, which the new studio resumed from its checkpoint.
        const third = (await host.call('runs.get', { runId: resumed.runs[2]?.runId })) as {
          interruptions: unknown[];
          status: string;
        };
        expect(third.interruptions.length).toBeGreaterThan(0);
        expect(resumed.runs.every((r) => r.status === 'completed')).toBe(true);
        console.log(`bayes proposals: ${resumed.runs.map((r) => JSON.stringify(r.params)).join(' ')}`);
        expect(resumed.runs.map((r) => r.params)).toEqual(whole.runs.map((r) => r.params));
        // TPE proposed the last ones (the first two are random, then each from the runs that ended).
        expect(new Set(resumed.runs.map((r) => JSON.stringify(r.params))).size).toBe(6);
      } finally {
        host.process.kill('SIGTERM');
        await once(host.process, 'exit');
      }
    } finally {
      tmp.cleanup();
    }
  }, 400_000);
});

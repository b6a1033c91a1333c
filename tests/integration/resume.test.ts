import { once } from 'node:events';
import { truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { dispatch } from '../../src/core/dispatch';
import { CheckpointError, readCheckpoint } from '../../src/core/training/checkpoint';
import { createRng } from '../../src/shared/random';
import { type RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import type { MetricPoint, RunDetail } from '../../src/shared/api';
import { openTestStudio, tempDir } from './helpers';
import { startHostProcess } from './host-process';
import { WorkerGate } from './worker-gate';

/**
 * A β-VAE (its noise stream is family state) for fourteen epochs, a checkpoint after each, with batch norm (its
 * moving statistics are weights too) and dropout (a fresh mask each step, from the step's counter-based seed).
 */
function vaeConfig(): RunConfig {
  const c = defaultRunConfig('vae');
  if (c.family !== 'vae') throw new Error('unreachable');
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: 2400, testSubset: 300 };
  c.training = { ...c.training, loss: 'bce', epochs: 14, batchSize: 32, learningRate: 0.001, seed: 5 };
  c.model = {
    ...c.model,
    encoder: [{ type: 'dense', units: 128, activation: 'relu' }, { type: 'batchNorm' }, { type: 'dropout', rate: 0.2 }],
    decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    latentSize: 8,
    beta: 2,
    klWarmupEpochs: 2,
  };
  return c;
}

/** Steps per epoch of `vaeConfig()`: 2,400 images in batches of 32. */
const stepsPerEpoch = 75;

/** The newest checkpoint of a run held after `step`: that of the last epoch it finished (a step's epoch ends after it). */
const checkpointBefore = (step: number) => Math.max(0, Math.ceil(step / stepsPerEpoch) - 1);

/**
 * Ten increasing kill steps: one at the start (0, before training), one on the last step of epoch 5 (before its
 * checkpoint), the rest seeded over the whole run. Each lies beyond the checkpoint a resume starts from.
 */
function killSteps(config: RunConfig, seed: number): number[] {
  const total = stepsPerEpoch * config.training.epochs;
  const rng = createRng(seed);
  const steps = new Set([0, 5 * stepsPerEpoch]);
  while (steps.size < 10) steps.add(1 + Math.floor(rng() * (total - 1)));
  return [...steps].sort((a, b) => a - b);
}
const curve = (points: MetricPoint[]) => points.map((p) => `${p.split}/${p.name}/${p.step}/${p.epoch}=${p.value}`).sort();

async function reference(studio: Studio, config: RunConfig): Promise<string[]> {
  const { runId } = await studio.api['runs.start']({ config });
  await studio.orchestrator.whenEnded(runId);
  expect((await studio.api['runs.get']({ runId })).status).toBe('completed');
  return curve(await studio.api['runs.metrics']({ runId }));
}

/** The curve of the config trained without interruption, once for the file (same backend, same seed). */
let expected: string[] = [];
beforeAll(async () => {
  const tmp = tempDir();
  const studio = openTestStudio(join(tmp.dir, 'reference.db'));
  try {
    expected = await reference(studio, vaeConfig());
    // A curve to compare with: every epoch's test figures at least, not an empty list equal to another.
    expect(expected.filter((p) => p.startsWith('test/loss/')).length).toBe(14);
  } finally {
    await studio.close();
    tmp.cleanup();
  }
});

describe('resume from checkpoints', () => {
  it('a run whose worker is SIGKILLed at ten seeded steps, resumed each time, ends with the curve of an uninterrupted run', async () => {
    const tmp = tempDir();
    const gate = new WorkerGate(tmp.dir);
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    try {
      const steps = killSteps(vaeConfig(), 2026);
      let runId = 0;
      for (const step of steps) {
        // The worker holds after this step (0: once started), so the kill lands there on a machine of any speed.
        gate.holdAt(step);
        if (runId === 0) runId = (await studio.api['runs.start']({ config: vaeConfig() })).runId;
        else expect((await studio.api['runs.resume']({ runId })).skipped).toEqual([]);
        const held = await gate.held(step);
        expect(studio.orchestrator.workerPid(runId)).toBe(held.pid);
        process.kill(held.pid, 'SIGKILL');
        await studio.orchestrator.whenEnded(runId);
        expect((await studio.api['runs.get']({ runId })).status).toBe('interrupted');
      }
      gate.open();
      await studio.api['runs.resume']({ runId });
      await studio.orchestrator.whenEnded(runId);
      const run: RunDetail = await studio.api['runs.get']({ runId });
      console.log(
        `resume: killed at steps ${steps.join(', ')}; ${run.status}${run.error ? ` (${run.error})` : ''}, resumed from epochs ${run.interruptions.map((i) => i.resumedFromEpoch).join(', ')}; final test loss ${run.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value}`,
      );
      expect(run.status).toBe('completed');
      expect(run.interruptions).toHaveLength(10);
      expect(run.interruptions.every((i) => i.status === 'interrupted' && /SIGKILL/.test(i.error ?? ''))).toBe(true);
      // Each resume continued from the newest checkpoint before its kill: the run really advanced.
      expect(run.interruptions.map((i) => i.resumedFromEpoch)).toEqual(steps.map(checkpointBefore));
      // Its history: eleven starts, each killed one reaching the checkpoint the next continued from.
      expect(run.attempts.map((a) => [a.status, a.fromEpoch])).toEqual([
        ...[0, ...steps.map(checkpointBefore)].slice(0, 10).map((from) => ['interrupted', from]),
        ['completed', checkpointBefore(steps.at(-1) ?? 0)],
      ]);
      expect(run.attempts.slice(0, 10).map((a) => a.reachedEpoch ?? 0)).toEqual(steps.map(checkpointBefore));
      expect(curve(await studio.api['runs.metrics']({ runId }))).toEqual(expected);
    } finally {
      await studio.close();
      gate.remove();
      tmp.cleanup();
    }
  });

  it('the same after killing the whole studio, twice, and resuming in a new one', async () => {
    const tmp = tempDir();
    const gate = new WorkerGate(tmp.dir);
    const dbPath = join(tmp.dir, 'studio.db');
    let runId = 0;
    // Mid-epoch in the third epoch, and on the last step of the seventh (before its checkpoint is written).
    const steps = [2 * stepsPerEpoch + 40, 7 * stepsPerEpoch];
    try {
      for (const step of steps) {
        gate.holdAt(step);
        const host = await startHostProcess(dbPath);
        if (runId === 0) runId = ((await host.call('runs.start', { config: vaeConfig() })) as { runId: number }).runId;
        else {
          const run = (await host.call('runs.get', { runId })) as RunDetail;
          expect(run.status).toBe('interrupted');
          await host.call('runs.resume', { runId });
        }
        await gate.held(step);
        host.process.kill('SIGKILL');
        await once(host.process, 'exit');
      }
      gate.open();
      const studio = openTestStudio(dbPath);
      try {
        expect((await studio.api['runs.get']({ runId })).status).toBe('interrupted');
        const { fromEpoch } = await studio.api['runs.resume']({ runId });
        expect(fromEpoch).toBe(checkpointBefore(steps[1]!));
        await studio.orchestrator.whenEnded(runId);
        const run = await studio.api['runs.get']({ runId });
        expect(run.status).toBe('completed');
        expect(run.interruptions.map((i) => i.resumedFromEpoch)).toEqual(steps.map(checkpointBefore));
        expect(curve(await studio.api['runs.metrics']({ runId }))).toEqual(expected);
      } finally {
        await studio.close();
      }
    } finally {
      gate.remove();
      tmp.cleanup();
    }
  });

  it('refuses a corrupt or truncated checkpoint by name, and resume falls back to the one before', async () => {
    const tmp = tempDir();
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    try {
      const config = vaeConfig();
      config.training.epochs = 3;
      config.dataset.trainSubset = 600;
      const { runId } = await studio.api['runs.start']({ config });
      await studio.orchestrator.whenEnded(runId);
      const before = await studio.api['runs.get']({ runId });
      const [third, second] = [...before.checkpoints].sort((a, b) => b.epoch - a.epoch);
      if (!third || !second) throw new Error('expected checkpoints');
      // One byte flipped: the checksum no longer matches.
      const bytes = readFileSync(third.path);
      const middle = bytes.length >> 1;
      bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
      writeFileSync(third.path, bytes);
      expect(() => readCheckpoint(third.path)).toThrow(CheckpointError);
      expect(() => readCheckpoint(third.path)).toThrow(/epoch-0003\.lsckpt.*checksum/);
      const resumed = await studio.api['runs.resume']({ runId, addEpochs: 1 });
      expect(resumed).toMatchObject({ fromEpoch: 2, epochs: 4 });
      expect(resumed.skipped[0]).toMatch(/epoch-0003\.lsckpt/);
      await studio.orchestrator.whenEnded(runId);
      const after = await studio.api['runs.get']({ runId });
      expect(after.status).toBe('completed');
      expect(after.epochs).toBe(4);
      expect(after.warnings.some((w) => w.includes('epoch-0003.lsckpt'))).toBe(true);
      // Truncated: refused by name too.
      const newest = [...after.checkpoints].sort((a, b) => b.epoch - a.epoch)[0];
      if (!newest) throw new Error('expected a checkpoint');
      truncateSync(newest.path, 100);
      expect(() => readCheckpoint(newest.path)).toThrow(/epoch-0004\.lsckpt.*(truncated|checksum)/);
      // A completed run needs to be told how far to go.
      await expect(studio.api['runs.resume']({ runId })).rejects.toThrow(/addEpochs/);
      // Past the schema's 10,000 epochs, its config could start no later run: refused, saying how many are left.
      const tooMany = await dispatch(studio.api, 'runs.resume', { runId, addEpochs: 9997 });
      expect(tooMany.ok ? null : tooMany.error.issues).toEqual([
        { path: 'addEpochs', message: 'a run trains at most 10000 epochs, and this one has 4: add at most 9996' },
      ]);
      expect((await studio.api['runs.get']({ runId })).epochs).toBe(4);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });
});

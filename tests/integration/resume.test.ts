import { once } from 'node:events';
import { truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { CheckpointError, readCheckpoint } from '../../src/core/training/checkpoint';
import { createRng } from '../../src/core/training/random';
import { defaultRunConfig, type RunConfig } from '../../src/shared/config';
import type { MetricPoint, RunDetail } from '../../src/shared/api';
import { openTestStudio, tempDir } from './helpers';
import { startHostProcess } from './host-process';

/** A β-VAE (its noise stream is family state) for fourteen epochs, a checkpoint after each. */
function vaeConfig(): RunConfig {
  const c = defaultRunConfig('vae');
  if (c.family !== 'vae') throw new Error('unreachable');
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: 2400, testSubset: 300 };
  c.training = { ...c.training, loss: 'bce', epochs: 14, batchSize: 32, learningRate: 0.001, seed: 5 };
  c.model = {
    ...c.model,
    encoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    decoder: [{ type: 'dense', units: 128, activation: 'relu' }],
    latentSize: 8,
    beta: 2,
    klWarmupEpochs: 2,
  };
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
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
  } finally {
    await studio.close();
    tmp.cleanup();
  }
});

describe('resume from checkpoints', () => {
  it('a run whose worker is SIGKILLed at ten seeded moments, resumed each time, ends with the curve of an uninterrupted run', async () => {
    const tmp = tempDir();
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    try {
      const rng = createRng(2026);
      const { runId } = await studio.api['runs.start']({ config: vaeConfig() });
      let kills = 0;
      while (kills < 10) {
        // A seeded moment after the worker has loaded and begun: early in an epoch, late, or at its end;
        // every third kill waits for a new checkpoint first, so that the run really advances on any machine.
        const newest = (r: RunDetail) => r.checkpoints.reduce((e, c) => Math.max(e, c.epoch), 0);
        const before = newest(await studio.api['runs.get']({ runId }));
        for (;;) {
          const now = await studio.api['runs.get']({ runId });
          if (now.status !== 'queued' && (kills % 3 !== 2 || newest(now) > before || now.status !== 'running')) break;
          await sleep(50);
        }
        await sleep(100 + rng() * 2500);
        const pid = studio.orchestrator.workerPid(runId);
        if (pid === undefined) break;
        process.kill(pid, 'SIGKILL');
        await studio.orchestrator.whenEnded(runId);
        kills++;
        const resumed = await studio.api['runs.resume']({ runId });
        expect(resumed.skipped).toEqual([]);
      }
      await studio.orchestrator.whenEnded(runId);
      const run: RunDetail = await studio.api['runs.get']({ runId });
      console.log(
        `resume: ${kills} kills, ${run.status}${run.error ? ` (${run.error})` : ''}, resumed from epochs ${run.interruptions.map((i) => i.resumedFromEpoch).join(', ')}; final test loss ${run.latest.find((m) => m.split === 'test' && m.name === 'loss')?.value}`,
      );
      expect(kills).toBe(10);
      expect(run.status).toBe('completed');
      expect(run.interruptions).toHaveLength(10);
      expect(run.interruptions.every((i) => i.status === 'interrupted' && /SIGKILL/.test(i.error ?? ''))).toBe(true);
      // Some kills landed after a checkpoint: the run really continued, not only started over.
      expect(run.interruptions.some((i) => i.resumedFromEpoch > 0)).toBe(true);
      expect(curve(await studio.api['runs.metrics']({ runId }))).toEqual(expected);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it('the same after killing the whole studio, twice, and resuming in a new one', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    let runId = 0;
    let checkpoints = 0;
    for (const extra of [300, 900]) {
      const host = await startHostProcess(dbPath);
      if (runId === 0) runId = ((await host.call('runs.start', { config: vaeConfig() })) as { runId: number }).runId;
      else {
        const run = (await host.call('runs.get', { runId })) as RunDetail;
        expect(run.status).toBe('interrupted');
        await host.call('runs.resume', { runId });
      }
      // Killed a moment after a new checkpoint, however fast or slow the machine trains.
      const newestOf = async () =>
        ((await host.call('runs.get', { runId })) as RunDetail).checkpoints.reduce((e, c) => Math.max(e, c.epoch), 0);
      while ((await newestOf()) <= checkpoints) await sleep(100);
      checkpoints = await newestOf();
      await sleep(extra);
      host.process.kill('SIGKILL');
      await once(host.process, 'exit');
    }
    const studio = openTestStudio(dbPath);
    try {
      expect((await studio.api['runs.get']({ runId })).status).toBe('interrupted');
      const { fromEpoch } = await studio.api['runs.resume']({ runId });
      expect(fromEpoch).toBeGreaterThan(0);
      await studio.orchestrator.whenEnded(runId);
      const run = await studio.api['runs.get']({ runId });
      expect(run.status).toBe('completed');
      expect(run.interruptions).toHaveLength(2);
      expect(curve(await studio.api['runs.metrics']({ runId }))).toEqual(expected);
    } finally {
      await studio.close();
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
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });
});

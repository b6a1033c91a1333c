import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import { countingLauncher } from './counting-launcher';
import { mnistConfig, tempDir } from './helpers';

const quick = (seed: number) => mnistConfig({ trainSubset: 320, testSubset: 100, epochs: 1, seed });

describe('the job scheduler', () => {
  it('with the limit at 1, four runs started together never have more than one worker alive, and run first in, first out', async () => {
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
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push((await studio.api['runs.start']({ config: quick(i) })).runId);
      expect(await studio.api['scheduler.get']({})).toMatchObject({
        maxConcurrent: 1,
        threadsPerWorker: 2,
        running: 1,
        queued: 3,
      });
      await Promise.all(ids.map((id) => studio.orchestrator.whenEnded(id)));
      const runs = await Promise.all(ids.map((runId) => studio.api['runs.get']({ runId })));
      expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(stats).toMatchObject({ maxAlive: 1, launched: 4, threads: [2, 2, 2, 2] });
      const started = runs.map((r) => r.startedAt ?? '');
      expect([...started].sort()).toEqual(started);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it("says when a worker ends, so that the counts read at the studio's last event find nothing running", async () => {
    const tmp = tempDir();
    const studio = createStudio({ dbPath: join(tmp.dir, 'studio.db'), launcher: forkLauncher(), transport: 'headless' });
    // What a window shows: the counts read again at each event that may move them.
    const readings: Promise<number>[] = [];
    const off = studio.events.on((e) => {
      if (e.name === 'run.status' || e.name === 'evaluation.status' || e.name === 'scheduler.changed')
        readings.push(studio.api['scheduler.get']({}).then((i) => i.running + i.light));
    });
    try {
      const { runId } = await studio.api['runs.start']({ config: quick(7) });
      await studio.orchestrator.whenEnded(runId);
      const afterRun = readings.length;
      expect(await readings.at(-1)).toBe(0);
      const { evaluationId } = await studio.api['evaluations.start']({ runId, what: ['clustering'] });
      await studio.evaluations.whenEnded(evaluationId);
      expect(readings.length).toBeGreaterThan(afterRun);
      expect(await readings.at(-1)).toBe(0);
      // A light worker (the run's test codes) is counted while it lives, and its end said too.
      const beforeLatents = readings.length;
      await studio.api['runs.latents']({ runId });
      while (studio.orchestrator.light.count > 0) await new Promise((r) => setTimeout(r, 20));
      expect(readings.length).toBeGreaterThan(beforeLatents + 1);
      expect(await readings.at(-1)).toBe(0);
    } finally {
      off();
      await studio.close();
      tmp.cleanup();
    }
  });

  it('keeps its limit in the database, and after a restart the runs still queued start by themselves', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const first = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless', orchestrator: { maxConcurrent: 1 } });
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push((await first.api['runs.start']({ config: quick(10 + i) })).runId);
    expect((await first.api['runs.list']({})).filter((r) => r.status === 'queued').length).toBeGreaterThanOrEqual(2);
    await first.close();
    const statuses = async (s: Studio) => Promise.all(ids.map(async (runId) => (await s.api['runs.get']({ runId })).status));

    const { launcher, stats } = countingLauncher();
    const second = createStudio({ dbPath, launcher, transport: 'headless', orchestrator: { cores: 2 } });
    try {
      expect((await second.api['scheduler.get']({})).maxConcurrent).toBe(1);
      const [interrupted, ...queued] = await statuses(second);
      expect(interrupted).toBe('interrupted');
      expect(stats.launched).toBe(1);
      await Promise.all(ids.slice(1).map((id) => second.orchestrator.whenEnded(id)));
      expect(await statuses(second)).toEqual(['interrupted', 'completed', 'completed']);
      expect(queued.every((s) => s === 'queued' || s === 'running')).toBe(true);
      expect(stats.maxAlive).toBe(1);
    } finally {
      await second.close();
      tmp.cleanup();
    }
  });

  it('gives each worker its share of the cores, and cancels a run still waiting at once', async () => {
    const tmp = tempDir();
    const { launcher, stats } = countingLauncher();
    const studio = createStudio({
      dbPath: join(tmp.dir, 'studio.db'),
      launcher,
      transport: 'headless',
      orchestrator: { cores: 2 },
    });
    try {
      expect((await studio.api['scheduler.get']({})).maxConcurrent).toBe(2);
      const a = (await studio.api['runs.start']({ config: quick(20) })).runId;
      const b = (await studio.api['runs.start']({ config: quick(21) })).runId;
      const c = (await studio.api['runs.start']({ config: quick(22) })).runId;
      expect(await studio.api['runs.cancel']({ runId: c })).toEqual({ status: 'cancelled' });
      await Promise.all([a, b].map((id) => studio.orchestrator.whenEnded(id)));
      expect(stats).toMatchObject({ maxAlive: 2, launched: 2, threads: [1, 1] });
      await expect(studio.api['scheduler.set']({ maxConcurrent: 0 })).rejects.toThrow(/maxConcurrent/);
      // A limit set is told to every window (their scheduler lines and open sweep forms read it again).
      const told: string[] = [];
      const off = studio.events.on((e) => void told.push(e.name));
      await studio.api['scheduler.set']({ maxConcurrent: 1 });
      off();
      expect(told).toContain('scheduler.changed');
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it('with auto-resume on, a run the studio stopped under continues from its checkpoint when a studio opens again', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const first = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless' });
    expect((await first.api['scheduler.set']({ autoResume: true })).autoResume).toBe(true);
    const config = mnistConfig({ trainSubset: 3000, testSubset: 200, epochs: 4, seed: 30 });
    const { runId } = await first.api['runs.start']({ config });
    while ((await first.api['runs.get']({ runId })).checkpoints.length === 0) await new Promise((r) => setTimeout(r, 100));
    await first.close();

    const second = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless' });
    try {
      await second.orchestrator.whenEnded(runId);
      const run = await second.api['runs.get']({ runId });
      expect(run.status).toBe('completed');
      expect(run.interruptions).toHaveLength(1);
      expect(run.interruptions[0]?.resumedFromEpoch).toBeGreaterThan(0);
      expect(run.interruptions[0]?.error).toMatch(/the studio stopped/);
    } finally {
      await second.close();
      tmp.cleanup();
    }
  });

  it('a held queue starts nothing, here or in the next studio, until it is released; a CLI-style studio still runs its own', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const { launcher, stats } = countingLauncher();
    const open = (adoptQueued = true) =>
      createStudio({ dbPath, launcher, transport: 'headless', orchestrator: { heartbeatMs: 100, adoptQueued } });
    const first = open();
    expect((await first.api['scheduler.set']({ paused: true })).paused).toBe(true);
    const { runId } = await first.api['runs.start']({ config: quick(40) });
    // Many heartbeats (each schedules), and the studio restarted: the run still waits, and no worker started.
    await new Promise((r) => setTimeout(r, 600));
    await first.close();
    const second = open();
    try {
      await new Promise((r) => setTimeout(r, 600));
      expect(await second.api['scheduler.get']({})).toMatchObject({ paused: true, running: 0, queued: 1 });
      expect((await second.api['runs.get']({ runId })).status).toBe('queued');
      expect(stats.kinds).toEqual([]);
      await second.api['scheduler.set']({ paused: false });
      await second.orchestrator.whenEnded(runId);
      expect((await second.api['runs.get']({ runId })).status).toBe('completed');
      await second.api['scheduler.set']({ paused: true });
    } finally {
      await second.close();
    }
    // A command-line studio (it adopts nothing) runs the run it was asked for, held queue or not.
    const cli = open(false);
    try {
      const { runId: own } = await cli.api['runs.start']({ config: quick(41) });
      await cli.orchestrator.whenEnded(own);
      expect((await cli.api['runs.get']({ runId: own })).status).toBe('completed');
    } finally {
      await cli.close();
      tmp.cleanup();
    }
  });
});

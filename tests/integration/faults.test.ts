import Database from 'better-sqlite3';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import { createRng } from '../../src/core/training/random';
import type { MetricPoint, RunSummary } from '../../src/shared/api';
import type { RunConfig } from '../../src/shared/config';
import { mnistConfig, tempDir } from './helpers';
import { startHostProcess } from './host-process';

/** A run that keeps its worker busy for a few seconds and writes metrics all along. */
function busyConfig(seed: number): RunConfig {
  const c = mnistConfig({ trainSubset: 2000, testSubset: 300, epochs: 4, seed });
  c.training.batchSize = 32;
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (p: { step: number; split: string; name: string }) => `${p.split}/${p.name}/${p.step}`;

/** Every metric point the studio announced as committed is in the database, with its value. */
function expectAllStored(dbPath: string, runId: number, announced: MetricPoint[]): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const stored = new Map(
      (db.prepare('SELECT split, name, step, value FROM metrics WHERE run_id = ?').all(runId) as MetricPoint[]).map((p) => [
        key(p),
        p.value,
      ]),
    );
    for (const p of announced) expect(stored.get(key(p)), key(p)).toBe(p.value);
  } finally {
    db.close();
  }
}

/** Runs shown as training that the studio with `pid` does not hold: left to a dead studio. (Queued runs are jobs any studio takes up.) */
function orphans(dbPath: string, pid: number | undefined): { id: number; status: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT id, status FROM runs WHERE status = 'running' AND supervisor_pid IS NOT ?`).all(pid ?? null) as {
      id: number;
      status: string;
    }[];
  } finally {
    db.close();
  }
}

/** Resolves when a run's first metrics are announced, or when it ends without any. */
function firstMetrics(studio: Studio, runId: number): Promise<void> {
  return new Promise((resolve) => {
    const off = studio.events.on((e) => {
      if (
        (e.name === 'run.metrics' && e.payload.runId === runId) ||
        (e.name === 'run.status' && e.payload.runId === runId && e.payload.status !== 'queued' && e.payload.status !== 'running')
      ) {
        off();
        resolve();
      }
    });
  });
}

describe('fault injection: SIGKILL at random moments', () => {
  it('of the training worker, ten times: each run ends interrupted, no committed metric is lost, the database is intact', async () => {
    const rng = createRng(11);
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const studio = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless' });
    const announced = new Map<number, MetricPoint[]>();
    studio.events.on((e) => {
      if (e.name === 'run.metrics')
        announced.set(e.payload.runId, [...(announced.get(e.payload.runId) ?? []), ...e.payload.points]);
    });
    try {
      for (let i = 0; i < 10; i++) {
        const { runId } = await studio.api['runs.start']({ config: busyConfig(i) });
        // Even runs: from before the worker has loaded its backend to well into training. Odd runs: after
        // their first metrics are announced (a worker's start can take seconds on a loaded machine).
        if (i % 2 === 1) await firstMetrics(studio, runId);
        await sleep(200 + rng() * 3000);
        const pid = studio.orchestrator.workerPid(runId);
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
        await studio.orchestrator.whenEnded(runId);
        const run = await studio.api['runs.get']({ runId });
        expect(['interrupted', 'completed'], run.error ?? '').toContain(run.status);
        if (run.status === 'interrupted') expect(run.error).toMatch(/SIGKILL/);
        expectAllStored(dbPath, runId, announced.get(runId) ?? []);
      }
      const runs = await studio.api['runs.list']({});
      expect(runs.filter((r) => r.status === 'interrupted').length).toBeGreaterThanOrEqual(8);
      expect([...announced.values()].some((points) => points.length > 0)).toBe(true);
    } finally {
      await studio.close();
      tmp.cleanup();
    }
  });

  it('of the whole studio, ten times: after each restart no run is left running, committed metrics are kept, the database is intact', async () => {
    const rng = createRng(12);
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'studio.db');
    const announced = new Map<number, MetricPoint[]>();
    for (let i = 0; i < 10; i++) {
      const host = await startHostProcess(dbPath);
      try {
        // At once after the restart: no run is left to the killed studio; those that were training are
        // interrupted, those still queued are jobs the new studio took over.
        expect(orphans(dbPath, host.process.pid)).toEqual([]);
        const events = await host.events((e) => {
          if (e.name === 'run.metrics')
            announced.set(e.payload.runId, [...(announced.get(e.payload.runId) ?? []), ...e.payload.points]);
        });
        const { runId } = (await host.call('runs.start', { config: busyConfig(i) })) as { runId: number };
        // Every other moment (seeded) is taken once the run trains, so some kills land mid-training
        // however slow the machine is; the others may land while the worker still starts.
        if (rng() < 0.5) {
          while (((await host.call('runs.get', { runId })) as RunSummary).status === 'queued') await sleep(50);
        }
        await sleep(200 + rng() * 3000);
        events.terminate();
        host.process.kill('SIGKILL');
        await once(host.process, 'exit');
        expectAllStored(dbPath, runId, announced.get(runId) ?? []);
      } finally {
        if (host.process.exitCode === null && host.process.signalCode === null) host.process.kill('SIGKILL');
      }
    }
    const last = await startHostProcess(dbPath);
    try {
      const runs = (await last.call('runs.list', {})) as RunSummary[];
      expect(runs).toHaveLength(10);
      expect(orphans(dbPath, last.process.pid)).toEqual([]);
      expect(runs.filter((r) => r.status === 'interrupted').length).toBeGreaterThan(0);
      expect([...announced.values()].some((points) => points.length > 0)).toBe(true);
    } finally {
      last.process.kill('SIGTERM');
      await once(last.process, 'exit');
      tmp.cleanup();
    }
  });
});

import Database from 'better-sqlite3';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStudio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import { createRng } from '../../src/shared/random';
import type { MetricPoint, RunSummary } from '../../src/shared/api';
import type { RunConfig } from '../../src/shared/config';
import { mnistConfig, tempDir } from './helpers';
import { startHostProcess } from './host-process';
import { WorkerGate } from './worker-gate';

/** A run of 4 epochs of 63 steps that writes metrics all along. */
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
    return db
      .prepare(
        `SELECT r.id, r.status FROM runs r JOIN jobs j ON j.run_id = r.id AND j.kind = 'train' AND j.state = 'running'
         WHERE r.status = 'running' AND j.supervisor_pid IS NOT ?`,
      )
      .all(pid ?? null) as {
      id: number;
      status: string;
    }[];
  } finally {
    db.close();
  }
}

/** Ten seeded steps of a `busyConfig` run at which to strike: the first before it trains (0), the rest anywhere in it. */
function strikeSteps(seed: number): number[] {
  const total = Math.ceil(2000 / 32) * 4;
  const rng = createRng(seed);
  return [0, ...Array.from({ length: 9 }, () => 1 + Math.floor(rng() * (total - 1)))];
}

describe('fault injection: SIGKILL at seeded steps', () => {
  it('of the training worker, ten times: each run ends interrupted, no committed metric is lost, the database is intact', async () => {
    const tmp = tempDir();
    const gate = new WorkerGate(tmp.dir);
    const dbPath = join(tmp.dir, 'studio.db');
    const studio = createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless' });
    const announced = new Map<number, MetricPoint[]>();
    studio.events.on((e) => {
      if (e.name === 'run.metrics')
        announced.set(e.payload.runId, [...(announced.get(e.payload.runId) ?? []), ...e.payload.points]);
    });
    try {
      for (const [i, step] of strikeSteps(11).entries()) {
        gate.holdAt(step);
        const { runId } = await studio.api['runs.start']({ config: busyConfig(i) });
        const held = await gate.held(step);
        expect(studio.orchestrator.workerPid(runId)).toBe(held.pid);
        process.kill(held.pid, 'SIGKILL');
        await studio.orchestrator.whenEnded(runId);
        const run = await studio.api['runs.get']({ runId });
        expect(run.status, run.error ?? '').toBe('interrupted');
        expect(run.error).toMatch(/SIGKILL/);
        expectAllStored(dbPath, runId, announced.get(runId) ?? []);
      }
      const runs = await studio.api['runs.list']({});
      expect(runs.map((r) => r.status)).toEqual(Array(10).fill('interrupted'));
      expect([...announced.values()].some((points) => points.length > 0)).toBe(true);
    } finally {
      await studio.close();
      gate.remove();
      tmp.cleanup();
    }
  });

  it('of the whole studio, ten times: after each restart no run is left running, committed metrics are kept, the database is intact', async () => {
    const tmp = tempDir();
    const gate = new WorkerGate(tmp.dir);
    const dbPath = join(tmp.dir, 'studio.db');
    const announced = new Map<number, MetricPoint[]>();
    try {
      for (const [i, step] of strikeSteps(12).entries()) {
        gate.holdAt(step);
        const host = await startHostProcess(dbPath);
        try {
          // At once after the restart: no run is left to the killed studio; those that were training are interrupted.
          expect(orphans(dbPath, host.process.pid)).toEqual([]);
          const events = await host.events((e) => {
            if (e.name === 'run.metrics')
              announced.set(e.payload.runId, [...(announced.get(e.payload.runId) ?? []), ...e.payload.points]);
          });
          const { runId } = (await host.call('runs.start', { config: busyConfig(i) })) as { runId: number };
          await gate.held(step);
          // A worker held after a step has posted its baseline metric: wait until it is announced here.
          while (step > 0 && !announced.get(runId)?.length) await sleep(25);
          events.terminate();
          host.process.kill('SIGKILL');
          await once(host.process, 'exit');
          expectAllStored(dbPath, runId, announced.get(runId) ?? []);
        } finally {
          if (host.process.exitCode === null && host.process.signalCode === null) host.process.kill('SIGKILL');
        }
      }
      gate.open();
      const last = await startHostProcess(dbPath);
      try {
        const runs = (await last.call('runs.list', {})) as RunSummary[];
        expect(orphans(dbPath, last.process.pid)).toEqual([]);
        expect(runs.map((r) => r.status)).toEqual(Array(10).fill('interrupted'));
        expect([...announced.values()].some((points) => points.length > 0)).toBe(true);
      } finally {
        last.process.kill('SIGTERM');
        await once(last.process, 'exit');
      }
    } finally {
      gate.remove();
      tmp.cleanup();
    }
  });
});

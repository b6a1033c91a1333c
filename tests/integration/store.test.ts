import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/core/store/migrations';
import { integrityCheck, openDb, type Db } from '../../src/core/store/db';
import { insertArtifact, listArtifacts, readArtifact } from '../../src/core/store/artifacts';
import { readMetrics, writeMetrics } from '../../src/core/store/metrics';
import { finishRun, getRun, insertRun, interruptStaleRuns, listRuns, markRunning } from '../../src/core/store/runs';
import type { Environment, MetricPoint } from '../../src/shared/api';
import { mnistConfig, openTestStudio, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let db: Db;
const env: Environment = {
  studioVersion: '0.1.0',
  node: '20',
  electron: null,
  tfjs: '4.22.0',
  backend: { name: 'wasm', version: 'x', gpu: false, reason: 'test' },
  os: 'Linux',
  cpu: 'cpu',
  cpuCount: 2,
  seed: 1,
  configHash: 'c',
  datasetHash: 'd',
};

/** Sets a column of a run's open training job (`.run(value, runId)`): its supervisor as another studio left it. */
const trainJobSet = (column: 'heartbeat_at' | 'supervisor_pid') =>
  `UPDATE jobs SET ${column} = ? WHERE run_id = ? AND kind = 'train' AND state IN ('queued','running')`;

beforeEach(() => {
  tmp = tempDir();
  db = openDb(join(tmp.dir, 'studio.db'));
});
afterEach(() => {
  db.close();
  tmp.cleanup();
});

describe('store', () => {
  it('opens in WAL mode with foreign keys and the latest schema', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
  });

  it('refuses a database written by a newer studio', () => {
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openDb(join(tmp.dir, 'studio.db'))).toThrow(/newer than this studio/);
    db = openDb(':memory:');
  });

  it('reads a stored run, its metrics and images back equal', () => {
    const config = mnistConfig({ epochs: 3, seed: 42 });
    const id = insertRun(db, config, 'hash');
    markRunning(db, id, env);
    const points: MetricPoint[] = Array.from({ length: 300 }, (_, i) => ({
      step: i + 1,
      epoch: (i + 1) / 100,
      split: 'train',
      name: 'batch_loss',
      value: 1 / (i + 1),
    }));
    points.push({ step: 300, epoch: 3, split: 'test', name: 'loss', value: 0.25 });
    writeMetrics(db, id, points);
    const png = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const art = insertArtifact(db, id, {
      kind: 'reconstructions',
      epoch: 3,
      step: 300,
      caption: 'c',
      mime: 'image/png',
      width: 2,
      height: 1,
      data: png,
    });
    expect(finishRun(db, id, 'completed', null)).toBe(true);
    expect(finishRun(db, id, 'failed', 'late')).toBe(false);

    const run = getRun(db, id);
    expect(run?.config).toEqual(config);
    expect(run?.status).toBe('completed');
    expect(run?.seed).toBe(42);
    expect(run?.environment).toEqual(env);
    expect(run?.latest).toContainEqual({ split: 'test', name: 'loss', value: 0.25, step: 300 });
    expect(run?.latest).toContainEqual({ split: 'train', name: 'batch_loss', value: 1 / 300, step: 300 });
    const stored = readMetrics(db, id);
    expect([...stored].sort((a, b) => a.split.localeCompare(b.split) || a.step - b.step)).toEqual(
      [...points].sort((a, b) => a.split.localeCompare(b.split) || a.step - b.step),
    );
    expect(listArtifacts(db, id)).toEqual([art]);
    expect(new Uint8Array(readArtifact(db, art.id)?.data ?? [])).toEqual(png);
    expect(integrityCheck(db)).toBe('ok');
  });

  it('marks runs whose heartbeat stopped as interrupted, and leaves fresh ones', () => {
    const stale = insertRun(db, mnistConfig(), 'h');
    const fresh = insertRun(db, mnistConfig(), 'h');
    markRunning(db, stale, env);
    markRunning(db, fresh, env);
    // Its studio on another machine: there its heartbeat alone tells.
    db.prepare(`UPDATE jobs SET supervisor_host = 'elsewhere' WHERE run_id = ? AND kind = 'train'`).run(stale);
    db.prepare(trainJobSet('heartbeat_at')).run(new Date(Date.now() - 60_000).toISOString(), stale);
    expect(interruptStaleRuns(db, 15_000)).toEqual([stale]);
    const runs = listRuns(db);
    expect(runs.find((r) => r.id === stale)?.status).toBe('interrupted');
    expect(runs.find((r) => r.id === stale)?.error).toMatch(/studio stopped/);
    expect(runs.find((r) => r.id === fresh)?.status).toBe('running');
  });

  it('at start-up, a studio marks runs left running by a crash as interrupted', async () => {
    const id = insertRun(db, mnistConfig(), 'h');
    markRunning(db, id, env);
    db.prepare(trainJobSet('heartbeat_at')).run('2020-01-01T00:00:00.000Z', id);
    db.close();
    const studio = openTestStudio(join(tmp.dir, 'studio.db'));
    const run = await studio.api['runs.get']({ runId: id });
    expect(run.status).toBe('interrupted');
    await studio.close();
    db = openDb(join(tmp.dir, 'studio.db'));
  });

  it('deletes a run with everything that hangs off it', () => {
    const id = insertRun(db, mnistConfig(), 'h');
    writeMetrics(db, id, [{ step: 1, epoch: 1, split: 'test', name: 'loss', value: 1 }]);
    db.prepare('DELETE FROM runs WHERE id = ?').run(id);
    const raw = new Database(join(tmp.dir, 'studio.db'), { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM metrics').get()).toEqual({ n: 0 });
    expect(raw.prepare('SELECT count(*) AS n FROM latest_metrics').get()).toEqual({ n: 0 });
    raw.close();
  });
});

describe('heartbeat sweep', () => {
  it('never interrupts a run its own studio supervises, however old its heartbeat', () => {
    const t = tempDir();
    const d = openDb(join(t.dir, 's.db'));
    const id = insertRun(d, mnistConfig(), 'h');
    markRunning(d, id, env);
    d.prepare(trainJobSet('heartbeat_at')).run('2020-01-01T00:00:00.000Z', id);
    expect(interruptStaleRuns(d, 15_000, [id])).toEqual([]);
    expect(getRun(d, id)?.status).toBe('running');
    expect(interruptStaleRuns(d, 15_000)).toEqual([id]);
    d.close();
    t.cleanup();
  });
});

describe('restart window', () => {
  it('interrupts at once a run whose supervising process is dead, and leaves one whose supervisor lives', () => {
    const t = tempDir();
    const d = openDb(join(t.dir, 's.db'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const orphan = insertRun(d, mnistConfig(), 'h');
    const other = insertRun(d, mnistConfig(), 'h');
    markRunning(d, orphan, env);
    markRunning(d, other, env);
    d.prepare(trainJobSet('supervisor_pid')).run(dead, orphan);
    d.prepare(trainJobSet('supervisor_pid')).run(process.ppid, other);
    // Both heartbeats are fresh: only the dead supervisor tells them apart.
    expect(interruptStaleRuns(d, 15_000)).toEqual([orphan]);
    expect(getRun(d, orphan)?.status).toBe('interrupted');
    expect(getRun(d, other)?.status).toBe('running');
    d.close();
    t.cleanup();
  });

  it('a live studio of this machine keeps its runs however long it was silent (asleep); one whose pid a later process took does not', () => {
    const t = tempDir();
    const d = openDb(join(t.dir, 's.db'));
    const asleep = insertRun(d, mnistConfig(), 'h');
    const reused = insertRun(d, mnistConfig(), 'h');
    markRunning(d, asleep, env);
    markRunning(d, reused, env);
    // The parent process (vitest) started seconds before this test; its last heartbeat 2 s ago, 20 times the
    // staleness allowed below.
    d.prepare(trainJobSet('supervisor_pid')).run(process.ppid, asleep);
    d.prepare(trainJobSet('heartbeat_at')).run(new Date(Date.now() - 2000).toISOString(), asleep);
    // A studio that last beat in 2020 under a pid this live process holds now.
    d.prepare(trainJobSet('supervisor_pid')).run(process.ppid, reused);
    d.prepare(trainJobSet('heartbeat_at')).run('2020-01-01T00:00:00.000Z', reused);
    expect(interruptStaleRuns(d, 100)).toEqual([reused]);
    expect(getRun(d, asleep)?.status).toBe('running');
    d.close();
    t.cleanup();
  });

  it('cancel answers the real status of a run that is not training, and refuses one another studio supervises; a deletion is told to every window', async () => {
    const t = tempDir();
    const dbPath = join(t.dir, 's.db');
    const d = openDb(dbPath);
    const done = insertRun(d, mnistConfig(), 'h');
    finishRun(d, done, 'completed', null);
    const elsewhere = insertRun(d, mnistConfig(), 'h');
    d.prepare(trainJobSet('supervisor_pid')).run(process.ppid, elsewhere);
    d.close();
    const studio = openTestStudio(dbPath);
    const deletions: unknown[] = [];
    studio.events.on((e) => {
      if (e.name === 'run.deleted') deletions.push(e.payload);
    });
    try {
      expect(await studio.api['runs.cancel']({ runId: done })).toEqual({ status: 'completed' });
      await expect(studio.api['runs.cancel']({ runId: elsewhere })).rejects.toThrow(/another studio process/);
      // Its rows gone, that studio would fail at its next write.
      await expect(studio.api['runs.delete']({ runId: elsewhere })).rejects.toThrow(
        /run \d+ is queued under another studio process .*cancel it there first/,
      );
      expect((await studio.api['runs.get']({ runId: elsewhere })).status).toBe('queued');
      expect(deletions).toEqual([]);
      // Deleted, a run is announced, so that other windows drop it from their lists and selections.
      expect(await studio.api['runs.delete']({ runId: done })).toEqual({ deleted: true });
      expect(deletions).toEqual([{ runId: done }]);
      expect(await studio.api['runs.delete']({ runId: done })).toEqual({ deleted: false });
      expect(deletions).toHaveLength(1);
    } finally {
      await studio.close();
      t.cleanup();
    }
  });
});

import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/store/db';
import { insertJob, listJobs } from '../../src/core/store/jobs';
import { getRunStatus, insertRun, requeueForResume, finishRun } from '../../src/core/store/runs';
import type { OpenJob } from '../../src/shared/api';
import { mnistConfig, runCli, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const run = runCli;

describe('latent-studio jobs', () => {
  it('lists the queue of another studio process, every kind in the order it starts, and leaves it as it was', () => {
    const dbPath = join(tmp.dir, 'studio.db');
    const db = openDb(dbPath);
    const first = insertRun(db, mnistConfig({ epochs: 3 }), 'a');
    const second = insertRun(db, mnistConfig({ epochs: 10 }), 'b');
    finishRun(db, second, 'interrupted', 'the studio stopped');
    requeueForResume(db, second, mnistConfig({ epochs: 10 }), { path: '/c/e4', sha256: 'ab', epoch: 4, step: 40 });
    const evaluation = insertJob(db, 'evaluate', first, { what: ['clustering', 'probe'], epoch: 3 });
    db.close();

    const json = run('jobs', '--db', dbPath, '--json');
    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as OpenJob[];
    const holder = `${hostname()} pid ${process.pid}`;
    expect(list.map((j) => [j.kind, j.runId, j.state, j.detail, j.heldHere, j.holder])).toEqual([
      ['train', first, 'queued', '3 epochs', false, holder],
      ['train', second, 'queued', 'epochs 5–10 (resumed)', false, holder],
      ['evaluate', first, 'queued', 'clustering, probe at epoch 3', false, holder],
    ]);
    expect(list[2]?.id).toBe(evaluation);

    const table = run('jobs', '--db', dbPath);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^job\s+kind\s+run\s+state\s+what\s+held by/);
    expect(table.stdout).toContain(`epochs 5–10 (resumed)`);

    // Looking took nothing over: the runs still wait in this process's queue.
    const after = openDb(dbPath);
    expect([getRunStatus(after, first), getRunStatus(after, second)]).toEqual(['queued', 'queued']);
    expect(listJobs(after, second, 'train').map((j) => j.state)).toEqual(['failed', 'queued']);
    after.close();

    const empty = run('jobs', '--db', join(tmp.dir, 'empty.db'));
    expect(empty.stdout).toBe('nothing is running or waiting\n');
  });
});

/** `latent-studio show <runId>`: one run in a terminal, its history included; a run that is not there is named. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insertCheckpoint } from '../../src/core/store/checkpoints';
import { finishJob, insertJob } from '../../src/core/store/jobs';
import { openDb } from '../../src/core/store/db';
import { setLabels } from '../../src/core/store/labels';
import { writeMetrics } from '../../src/core/store/metrics';
import { finishRun, insertRun, markRunning, requeueForResume } from '../../src/core/store/runs';
import type { RunDetail } from '../../src/shared/api';
import { cliPath, mnistConfig, runCli, tempDir, testEnvironment } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const environment = testEnvironment;

describe('latent-studio show', () => {
  it('prints a run: its labels, metrics, checkpoints, every start of its training and its config', async () => {
    const dbPath = join(tmp.dir, 'studio.db');
    const db = openDb(dbPath);
    const config = { ...mnistConfig({ epochs: 2 }), name: 'deep ae' };
    const runId = insertRun(db, config, 'a1b2c3d4e5f6a7b8');
    setLabels(db, 'runs', runId, { tags: ['baseline', 'fig-2'], starred: true, notes: 'The reference run.' });
    markRunning(db, runId, environment('wasm'));
    writeMetrics(db, runId, [
      { split: 'train', name: 'loss', step: 10, epoch: 1, value: 0.061 },
      { split: 'test', name: 'loss', step: 10, epoch: 1, value: 0.0523456789 },
    ]);
    insertCheckpoint(db, runId, { epoch: 1, step: 10, path: '/c/e1', sizeBytes: 1, sha256: 'ab' });
    finishRun(db, runId, 'interrupted', 'the studio stopped while this run was in progress');
    requeueForResume(
      db,
      runId,
      { ...config, training: { ...config.training, epochs: 4 } },
      {
        path: '/c/e1',
        sha256: 'ab',
        epoch: 1,
        step: 10,
      },
    );
    markRunning(db, runId, environment('cpu'));
    insertCheckpoint(db, runId, { epoch: 4, step: 40, path: '/c/e4', sizeBytes: 1, sha256: 'cd' });
    finishRun(db, runId, 'completed', null);
    // Two evaluations: one with its figures, one that failed.
    const request = { what: ['clustering'], seed: 1, epoch: 4, settings: {} };
    const done = insertJob(db, 'evaluate', runId, request);
    finishJob(db, done, { state: 'completed', result: { figures: { kmeans_acc: 0.812345, nmi: 0.7 }, details: {} } });
    const failed = insertJob(db, 'evaluate', runId, { ...request, what: ['nll'] });
    finishJob(db, failed, { state: 'failed', error: 'nll needs a family with a likelihood' });
    db.close();

    const shown = runCli('show', String(runId), '--db', dbPath);
    expect(shown.code, shown.stderr).toBe(0);
    const out = shown.stdout;
    expect(out.split('\n')[0]).toBe(`run ${runId}: ★ deep ae (completed)`);
    expect(out).toMatch(/tags: baseline, fig-2\n\s+notes: The reference run\./);
    expect(out).toContain('backend: cpu: asked for\n');
    expect(out).toMatch(
      /final metrics\n\s+split\s+metric\s+value\s+step\n\s+test\s+loss\s+0\.0523457\s+10\n\s+train\s+loss\s+0\.061/,
    );
    expect(out).toContain('2 kept; the last of epoch 4: /c/e4');
    const history = out.slice(out.indexOf('\nhistory\n'), out.indexOf('\nevaluations\n')).trim().split('\n');
    expect(history.slice(1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['#', 'start', 'status', 'epochs', 'where', 'time'],
      ['1', 'First start', 'interrupted', 'epochs 0 → 1 of 2', `wasm on ${hostname()}`, expect.stringMatching(/^trained \d+s/)],
      ['the studio stopped while this run was in progress'],
      ['2', 'Resumed', 'completed', 'epochs 1 → 4', `cpu on ${hostname()}`, expect.stringMatching(/^trained \d+s/)],
    ]);
    const evaluated = out.slice(out.indexOf('\nevaluations\n'), out.indexOf('\nconfig\n')).trim().split('\n');
    expect(evaluated.slice(1)).toEqual([
      `  1. clustering · epoch 4 · seed 1 · completed (job ${done}): kmeans_acc 0.8123 · nmi 0.7`,
      `  2. nll · epoch 4 · seed 1 · failed (job ${failed})`,
      '     nll needs a family with a likelihood',
    ]);
    expect(out).toMatch(/\n\s+training\.epochs\s+4\n/);
    expect(out).toMatch(/\n\s+dataset\.name\s+mnist\n/);

    const json = runCli('show', String(runId), '--db', dbPath, '--json');
    expect(json.code, json.stderr).toBe(0);
    const run = JSON.parse(json.stdout) as RunDetail & { evaluations: { id: number; figures: object }[] };
    expect(run.evaluations.map((e) => [e.id, e.figures])).toEqual([
      [done, { kmeans_acc: 0.812345, nmi: 0.7 }],
      [failed, {}],
    ]);
    expect(run.attempts.map((a) => [a.status, a.backend, a.fromEpoch, a.reachedEpoch])).toEqual([
      ['interrupted', 'wasm', 0, 1],
      ['completed', 'cpu', 1, 4],
    ]);

    // A reader gone before it writes (`| head` having read enough): the command ends quietly, as SIGPIPE would end it.
    const child = spawn(process.execPath, [cliPath, 'show', String(runId), '--db', dbPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect([code, stderr]).toEqual([141, '']);
  });

  it('says so of a run older than the history of its starts', () => {
    const dbPath = join(tmp.dir, 'old.db');
    const db = openDb(dbPath);
    const runId = insertRun(db, mnistConfig({ epochs: 1 }), 'h');
    finishRun(db, runId, 'completed', null);
    // As a run that ended before training was a job: no rows of its own in the jobs table.
    db.prepare(`DELETE FROM jobs WHERE run_id = ?`).run(runId);
    db.close();
    const shown = runCli('show', String(runId), '--db', dbPath);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('\nhistory\n  no record of its starts: it trained before the studio kept them\n');
  });

  it('refuses a run that is not there, and a run id that is not one', () => {
    const dbPath = join(tmp.dir, 'empty.db');
    const missing = runCli('show', '7', '--db', dbPath);
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'latent-studio: show: run 7 does not exist']);
    const bad = runCli('show', 'seven', '--db', dbPath);
    expect([bad.code, bad.stderr.trim()]).toEqual([2, 'latent-studio: show needs a run id (latent-studio runs), not "seven"']);
  });
});

describe('latent-studio runs --experiment', () => {
  it('prints a field a run leaves unset as what that means, as the UI’s table does', () => {
    const dbPath = join(tmp.dir, 'table.db');
    const db = openDb(dbPath);
    const base = { ...mnistConfig({ epochs: 1 }), experiment: 'clipping' };
    const clipped = insertRun(db, { ...base, name: 'clipped', training: { ...base.training, clipNorm: 1 } }, 'c1');
    const free = insertRun(db, { ...base, name: 'free' }, 'c2');
    for (const id of [clipped, free]) finishRun(db, id, 'completed', null);
    db.close();
    const shown = runCli('runs', '--experiment', 'clipping', '--db', dbPath);
    expect(shown.code, shown.stderr).toBe(0);
    const [header, ...rows] = shown.stdout.trim().split('\n');
    const cells = (line: string | undefined) => (line ?? '').trim().split(/\s{2,}/);
    const column = cells(header).indexOf('training.clipNorm');
    expect(column).toBeGreaterThan(0);
    const byName = Object.fromEntries(rows.map((line) => [cells(line)[1], cells(line)[column]]));
    expect(byName).toEqual({ clipped: '1', free: 'off' });
  });
});

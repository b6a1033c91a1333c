import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../families/run-config';
import { migrate } from './db';
import { migrations } from './migrations';
import { finishRun, getRun } from './runs';
import { databaseAt, insertLegacyRun } from './schema-at';
import { writeMetrics } from './metrics';

describe('migration 14: the stopped status, by rebuilding the runs table', () => {
  it('keeps every run with the rows that refer to it, and foreign keys stay on', () => {
    const db = databaseAt(13);
    const runId = insertLegacyRun(db, defaultRunConfig('vae'));
    writeMetrics(db, runId, [{ step: 5, epoch: 1, split: 'test', name: 'loss', value: 3.5 }]);
    db.prepare(`UPDATE runs SET tags_json = '["keep"]', starred = 1, notes = 'n' WHERE id = ?`).run(runId);
    db.prepare(
      `INSERT INTO checkpoints (run_id, epoch, step, path, size_bytes, sha256, created_at) VALUES (?, 1, 5, '/c', 10, 'ab', 'x')`,
    ).run(runId);
    db.prepare(
      `INSERT INTO jobs (kind, run_id, state, request_json, created_at) VALUES ('evaluate', ?, 'queued', '{}', 'x')`,
    ).run(runId);

    migrate(db);

    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`).get(runId) as { n: number }).n;
    // Its evaluation, and (migration 15) the training job of its queued start.
    expect([count('metrics'), count('latest_metrics'), count('checkpoints'), count('jobs')]).toEqual([1, 1, 1, 2]);
    const run = getRun(db, runId);
    expect(run?.tags).toEqual(['keep']);
    expect(run?.starred).toBe(true);
    expect(finishRun(db, runId, 'stopped', 'stopped by Hyperband at rung 1')).toBe(true);
    expect(getRun(db, runId)?.status).toBe('stopped');
    // Deleting the run still takes its rows with it.
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
    expect(count('metrics')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../families/run-config';
import { migrate } from './db';
import { latestEvaluationFigures, listEvaluations } from './evaluations';
import { getJob } from './jobs';
import { migrations } from './migrations';
import { latestCompletedPrior, latestPrior } from './priors';
import { databaseAt, insertLegacyRun } from './schema-at';

describe('migration 11: evaluations and priors into the jobs table', () => {
  it('keeps every evaluation and prior, with their ids, figures, settings and state', () => {
    // Schema 10: evaluations and priors in tables of their own.
    const db = databaseAt(10);
    const runId = insertLegacyRun(db, defaultRunConfig('vq-vae'), { status: 'completed' });
    const insertEvaluation = db.prepare(
      `INSERT INTO evaluations (id, run_id, what, settings_json, seed, checkpoint_epoch, status, results_json, error,
                                supervisor_host, supervisor_pid, created_at, ended_at)
       VALUES (?, ?, ?, ?, ?, 3, ?, ?, ?, 'box', 41, '2026-01-01T00:00:00.000Z', ?)`,
    );
    const results = { figures: { kmeans_acc: 0.8, mig: 0.1 }, details: { seconds: { encode: 1.5 } } };
    insertEvaluation.run(
      4,
      runId,
      '["clustering"]',
      '{"what":["clustering"],"k":10}',
      7,
      'completed',
      JSON.stringify(results),
      null,
      'x',
    );
    insertEvaluation.run(9, runId, '["nll"]', '{"what":["nll"]}', 0, 'failed', null, 'out of memory', 'y');
    insertEvaluation.run(11, runId, '["probe"]', '{"what":["probe"]}', 0, 'queued', null, null, null);
    const checkpoint = { path: '/c/run-1/epoch-3.lsckpt', sha256: 'ab', epoch: 3, step: 30 };
    db.prepare(
      `INSERT INTO priors (run_id, status, epochs, seed, checkpoint_epoch, checkpoint_json, settings_json, results_json, path,
                           sha256, size_bytes, created_at, ended_at)
       VALUES (?, 'completed', 5, 2, 3, ?, '{"training":{"epochs":5}}', ?, '/c/run-1/prior-1.lsckpt', 'cd', 1234,
               '2026-01-02T00:00:00.000Z', 'z')`,
    ).run(
      runId,
      JSON.stringify(checkpoint),
      JSON.stringify({
        figures: { nll_bits: 2.5 },
        curve: [{ epoch: 1, trainNllBits: 3, testNllBits: 2.5, seconds: 4, epochs: 5 }],
      }),
    );

    migrate(db);

    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    const evaluations = listEvaluations(db, runId);
    expect(evaluations.map((e) => [e.id, e.status, e.seed, e.epoch, e.error])).toEqual([
      [4, 'completed', 7, 3, null],
      [9, 'failed', 0, 3, 'out of memory'],
      [11, 'queued', 0, 3, null],
    ]);
    expect(evaluations[0]).toMatchObject({
      what: ['clustering'],
      settings: { what: ['clustering'], k: 10 },
      figures: results.figures,
      details: results.details,
      endedAt: 'x',
    });
    expect(latestEvaluationFigures(db, [runId]).get(runId)).toEqual(
      Object.fromEntries(Object.entries(results.figures).map(([name, value]) => [name, { value, epoch: 3 }])),
    );
    const prior = latestPrior(db, runId);
    expect(prior).toMatchObject({
      runId,
      status: 'completed',
      epochs: 5,
      seed: 2,
      checkpointEpoch: 3,
      figures: { nll_bits: 2.5 },
      curve: [{ epoch: 1, trainNllBits: 3, testNllBits: 2.5, seconds: 4 }],
      settings: { training: { epochs: 5 } },
    });
    expect(prior!.jobId).toBeGreaterThan(11);
    expect(latestCompletedPrior(db, runId)).toEqual({
      jobId: prior!.jobId,
      path: '/c/run-1/prior-1.lsckpt',
      sha256: 'cd',
      checkpoint,
    });
    expect(getJob(db, 11)).toMatchObject({ kind: 'evaluate', state: 'queued', restarts: 0 });
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name IN ('evaluations','priors')`).all()).toEqual([]);
  });
});

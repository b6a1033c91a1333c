import { describe, expect, it } from 'vitest';
import { SweepSpec } from '../../shared/sweep';
import { migrate } from './db';
import { defaultRunConfig } from '../../families/run-config';
import { insertArtifact, readArtifact } from './artifacts';
import type { Db } from './db';
import { insertRun } from './runs';
import { databaseAt } from './schema-at';
import { nextSweepIndex, sweepRuns } from './sweeps';

describe("migration 16: W&B's names for log ranges", () => {
  it('a stored log_uniform range (its bounds were values) becomes log_uniform_values, and reads as it did', () => {
    const db = databaseAt(15);
    db.prepare(`INSERT INTO experiments (name, created_at) VALUES ('s', 'x')`).run();
    const spec = {
      name: 's',
      method: 'random',
      count: 2,
      base: { family: 'vae' },
      parameters: {
        'training.learningRate': { min: 0.0001, max: 0.01, distribution: 'log_uniform' },
        'model.beta': { min: 1, max: 4, distribution: 'uniform' },
      },
    };
    db.prepare(
      `INSERT INTO sweeps (experiment_id, name, method, spec_json, state, created_at) VALUES (1, 's', 'random', ?, 'active', 'x')`,
    ).run(JSON.stringify(spec));
    migrate(db);
    const stored = JSON.parse((db.prepare('SELECT spec_json FROM sweeps').get() as { spec_json: string }).spec_json);
    expect(stored.parameters['training.learningRate']).toEqual({ min: 0.0001, max: 0.01, distribution: 'log_uniform_values' });
    expect(stored.parameters['model.beta']).toEqual(spec.parameters['model.beta']);
    expect(SweepSpec.safeParse(stored).success).toBe(true);
  });
});

describe('migration 17: image ids are never used again', () => {
  it("keeps every image, and after the newest run's are deleted the next run's get new ids", () => {
    const db = databaseAt(16);
    const first = insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h');
    const image = { kind: 'reconstructions', epoch: 1, step: 1, caption: 'c', mime: 'image/png', width: 1, height: 1 };
    const a = insertArtifact(db as unknown as Db, first, { ...image, data: new Uint8Array([1]) });
    migrate(db);
    expect(readArtifact(db as unknown as Db, a.id)?.data).toEqual(Buffer.from([1]));
    const second = insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h');
    const b = insertArtifact(db as unknown as Db, second, { ...image, data: new Uint8Array([2]) });
    db.prepare('DELETE FROM runs WHERE id = ?').run(second);
    const third = insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h');
    const c = insertArtifact(db as unknown as Db, third, { ...image, data: new Uint8Array([3]) });
    expect(c.id).toBeGreaterThan(b.id);
    expect(readArtifact(db as unknown as Db, b.id)).toBeUndefined();
  });
});

describe("migration 18: a sweep's runs numbered for good", () => {
  it('numbers the runs of each sweep in their order, and the next proposal after them', () => {
    const db = databaseAt(17);
    db.prepare(`INSERT INTO experiments (name, created_at) VALUES ('s', 'x')`).run();
    for (const name of ['s', 't'])
      db.prepare(
        `INSERT INTO sweeps (experiment_id, name, method, spec_json, state, created_at) VALUES (1, ?, 'bayes', '{}', 'active', 'x')`,
      ).run(name);
    const runs = [1, 2, 1, 1].map((sweep) => {
      const runId = insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h');
      db.prepare('UPDATE runs SET sweep_id = ? WHERE id = ?').run(sweep, runId);
      return runId;
    });
    const alone = insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h');
    migrate(db);
    const index = (id: number) =>
      (db.prepare('SELECT sweep_index FROM runs WHERE id = ?').get(id) as { sweep_index: number | null }).sweep_index;
    expect(runs.map(index)).toEqual([0, 0, 1, 2]);
    expect(index(alone)).toBeNull();
    expect(sweepRuns(db as unknown as Db, 1).map((r) => r.index)).toEqual([0, 1, 2]);
    expect(nextSweepIndex(db as unknown as Db, 1)).toBe(3);
    expect(nextSweepIndex(db as unknown as Db, 2)).toBe(1);
  });

  it("keeps a Slurm run's task number (its folder), and numbers the next past every one taken", () => {
    const db = databaseAt(17);
    db.prepare(`INSERT INTO experiments (name, created_at) VALUES ('s', 'x')`).run();
    db.prepare(
      `INSERT INTO sweeps (experiment_id, name, method, spec_json, state, created_at) VALUES (1, 's', 'bayes', '{}', 'active', 'x')`,
    ).run();
    // Tasks 0, 1 and 3 are left: task 2's run was deleted before the upgrade.
    const runs = [0, 1, 3].map((taskId) => {
      const runId = insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h');
      const record = { jobId: '7', taskId, state: 'RUNNING', dir: `/shared/sweep-1/task-${taskId}`, offset: 0 };
      db.prepare('UPDATE runs SET sweep_id = 1, slurm_json = ? WHERE id = ?').run(JSON.stringify(record), runId);
      return runId;
    });
    migrate(db);
    expect(sweepRuns(db as unknown as Db, 1).map((r) => [r.runId, r.index])).toEqual(runs.map((id, i) => [id, [0, 1, 3][i]]));
    expect(nextSweepIndex(db as unknown as Db, 1)).toBe(4);
  });
});

describe('migration 19: one tag in any case', () => {
  it('gives every record the first spelling of a tag, one tag where a record had two cases, and keeps the rest', () => {
    const db = databaseAt(18);
    const runs = [0, 1, 2].map(() => insertRun(db as unknown as Db, defaultRunConfig('vae'), 'h'));
    const tag = (table: string, id: number, tags: string[]) =>
      db.prepare(`UPDATE ${table} SET tags_json = ? WHERE id = ?`).run(JSON.stringify(tags), id);
    tag('runs', runs[0]!, ['Baseline', 'beta']);
    tag('runs', runs[1]!, ['BETA', 'baseline', 'Beta', 'new']);
    tag('runs', runs[2]!, ['Über', 'über']);
    db.prepare(`INSERT INTO experiments (name, created_at) VALUES ('s', 'x') ON CONFLICT(name) DO NOTHING`).run();
    db.prepare(
      `INSERT INTO sweeps (experiment_id, name, method, spec_json, state, created_at, tags_json)
       VALUES (1, 's', 'grid', '{}', 'active', 'x', '["NEW","sweep"]')`,
    ).run();
    migrate(db);
    const tags = (table: string) =>
      (db.prepare(`SELECT tags_json FROM ${table} ORDER BY id`).all() as { tags_json: string }[]).map(
        (r) => JSON.parse(r.tags_json) as string[],
      );
    expect(tags('runs')).toEqual([['Baseline', 'beta'], ['beta', 'Baseline', 'new'], ['Über']]);
    expect(tags('sweeps')).toEqual([['new', 'sweep']]);
  });
});

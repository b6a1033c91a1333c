import { describe, expect, it } from 'vitest';
import { SweepSpec } from '../../shared/sweep';
import { migrate } from './db';
import { databaseAt } from './schema-at';

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

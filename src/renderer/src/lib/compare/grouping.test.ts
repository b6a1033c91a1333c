import { describe, expect, it } from 'vitest';
import { defaultColorBy, defaultGroupBy, firstOfEachGroup, groupRuns, type CompareRow } from '../compare';
import { sweep, sweepFields } from './fixtures';

describe('grouping runs', () => {
  it('groups replicates of one config (all fields but the seed), ordered by value', () => {
    const groups = groupRuns(sweep, { kind: 'except-seed' }, sweepFields);
    expect(groups.map((g) => g.label)).toEqual(['beta=0.5', 'beta=2', 'beta=10']);
    expect(groups.map((g) => g.runIds)).toEqual([
      [7, 8, 9],
      [4, 5, 6],
      [1, 2, 3],
    ]);
  });

  it('groups by one field, or leaves each run alone', () => {
    const bySeed = groupRuns(sweep, { kind: 'field', path: 'training.seed' }, sweepFields);
    expect(bySeed.map((g) => [g.label, g.runIds])).toEqual([
      ['seed=1', [1, 4, 7]],
      ['seed=2', [2, 5, 8]],
      ['seed=3', [3, 6, 9]],
    ]);
    const alone = groupRuns(sweep.slice(0, 2), { kind: 'none' }, sweepFields);
    expect(alone.map((g) => [g.label, g.runIds])).toEqual([
      ['#1 beta=10 seed=1', [1]],
      ['#2 beta=10 seed=2', [2]],
    ]);
  });

  it('puts runs that differ only by seed in one group', () => {
    const seeds = sweep.slice(0, 3);
    expect(groupRuns(seeds, { kind: 'except-seed' }, ['training.seed', 'name'])).toEqual([
      { key: '[]', label: 'all runs', runIds: [1, 2, 3], values: {} },
    ]);
  });

  it('keeps runs of two families apart, even where every config field is the same (a VAE and a CVAE)', () => {
    const config = { 'model.beta': 1, 'training.seed': 1 };
    const rows: CompareRow[] = [1, 2, 3, 4].map((id) => ({
      id,
      name: `run ${id}`,
      family: id % 2 === 0 ? 'cvae' : 'vae',
      config: { ...config, 'training.seed': id },
    }));
    expect(groupRuns(rows, { kind: 'except-seed' }, ['training.seed']).map((g) => [g.label, g.runIds])).toEqual([
      ['cvae', [2, 4]],
      ['vae', [1, 3]],
    ]);
    // Grouped by a field, as asked: one β, both families.
    expect(groupRuns(rows, { kind: 'field', path: 'model.beta' }, ['training.seed']).map((g) => g.runIds)).toEqual([
      [1, 2, 3, 4],
    ]);
  });

  it('picks one run of each group, in the runs’ order', () => {
    const groups = groupRuns(sweep, { kind: 'except-seed' }, sweepFields);
    // Run 1 has no images: its group is shown by run 2; run 42 is in no group.
    const withImages = [{ id: 8 }, { id: 2 }, { id: 9 }, { id: 3 }, { id: 5 }, { id: 42 }];
    expect(firstOfEachGroup(withImages, groups).map((r) => r.id)).toEqual([8, 2, 5, 42]);
  });

  it('groups by config except seed by default only when that joins runs', () => {
    expect(defaultGroupBy(sweep, sweepFields)).toEqual({ kind: 'except-seed' });
    // One run per β: every group would hold one run.
    const onePerBeta = [sweep[0], sweep[3], sweep[6]] as CompareRow[];
    expect(defaultGroupBy(onePerBeta, sweepFields)).toEqual({ kind: 'none' });
    expect(defaultGroupBy(sweep, ['model.beta'])).toEqual({ kind: 'none' });
  });

  it('colours by the first field that configures the model', () => {
    expect(defaultColorBy(['name', 'training.seed', 'model.beta'])).toBe('model.beta');
    expect(defaultColorBy(['name', 'training.seed'])).toBe('training.seed');
    expect(defaultColorBy(['experiment'])).toBeUndefined();
  });

  it('colours by a field that defines the loss, else by the one that tells the most runs apart', () => {
    const rows = [
      { config: { 'model.beta': 1, 'model.encoder[0].units': 512, 'model.latentSize': 8 } },
      { config: { 'model.beta': 4, 'model.encoder[0].units': 512, 'model.latentSize': 16 } },
      { config: { 'model.beta': 1, 'model.encoder[0].units': 400, 'model.latentSize': 32 } },
    ] as unknown as CompareRow[];
    const fields = ['model.encoder[0].units', 'model.beta', 'model.latentSize'];
    expect(defaultColorBy(fields, rows, ['model.beta'])).toBe('model.beta');
    expect(defaultColorBy(fields, rows)).toBe('model.latentSize');
    expect(defaultColorBy(['model.encoder[0].units', 'model.beta'], rows)).toBe('model.encoder[0].units');
    expect(defaultColorBy(['family', 'training.loss'], rows, ['training.loss'])).toBe('family');
  });
});

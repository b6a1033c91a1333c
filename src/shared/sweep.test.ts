import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../families/run-config';
import {
  differingFields,
  distinctConfigs,
  expandSweep,
  logDrawnPaths,
  flattenConfig,
  SweepParameter,
  SweepSpec,
  sweepRunName,
  sweepSize,
  wholeNumberRanges,
  type SweepSpecInput,
} from './sweep';
import { runsTableCsv } from './runs-table';
import type { RunsTable } from './api';

const base = () => {
  const c = defaultRunConfig('vae');
  return c;
};
const spec = (s: Partial<SweepSpecInput>) =>
  SweepSpec.parse({ name: 's', base: 'x', method: 'grid', parameters: { 'model.beta': { values: [1] } }, ...s });

describe('expandSweep', () => {
  it('makes the grid product, the first path varying slowest, each config set at its paths', () => {
    const r = expandSweep(
      spec({ parameters: { 'model.beta': { values: [0.5, 2, 8] }, 'training.seed': { values: [1, 2] } } }),
      base(),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.points.map((p) => [p.params['model.beta'], p.params['training.seed']])).toEqual([
      [0.5, 1],
      [0.5, 2],
      [2, 1],
      [2, 2],
      [8, 1],
      [8, 2],
    ]);
    const third = r.points[2];
    expect(third?.config.family === 'vae' && third.config.model.beta).toBe(2);
    expect(third?.config.training.seed).toBe(1);
    expect(third?.config.experiment).toBe('s');
    expect(third?.name).toBe('s · beta=2 seed=1');
  });

  it('names runs by what varies: a path given one value is left out of every name, unless none varies', () => {
    const fixed = { 'training.epochs': { values: [2] }, 'dataset.trainSubset': { values: [2000] } };
    const r = expandSweep(spec({ parameters: { 'model.beta': { values: [1, 4] }, ...fixed } }), base());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.points.map((p) => p.name)).toEqual(['s · beta=1', 's · beta=4']);
    expect(r.points[0]?.config.training.epochs).toBe(2);
    const one = expandSweep(spec({ parameters: fixed }), base());
    if (!one.ok) throw new Error(JSON.stringify(one.issues));
    expect(one.points.map((p) => p.name)).toEqual(['s · epochs=2 trainSubset=2000']);
  });

  it("draws W&B's log_uniform as e^x, x uniform between min and max (the bounds are natural logs)", () => {
    const drawn = expandSweep(
      spec({
        method: 'random',
        count: 100,
        seed: 3,
        parameters: { 'training.learningRate': { min: -9.2, max: -2.3, distribution: 'log_uniform' } },
      }),
      base(),
    );
    if (!drawn.ok) throw new Error('refused');
    const lr = drawn.points.map((p) => Number(p.params['training.learningRate']));
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(Math.exp(-9.2));
    expect(Math.max(...lr)).toBeLessThanOrEqual(Math.exp(-2.3));
    // Evenly in log space: about half below e^-5.75, the middle of the logs.
    expect(lr.filter((x) => x < Math.exp(-5.75)).length).toBeGreaterThan(35);
    expect(lr.filter((x) => x < Math.exp(-5.75)).length).toBeLessThan(65);
  });

  it('names what a bad parameter lacks: an unknown distribution, a single value, a missing bound', () => {
    const message = (p: unknown) => SweepParameter.safeParse(p).error?.issues.map((i) => i.message);
    expect(message({ min: 1, max: 8, distribution: 'q_uniform' })?.[0]).toMatch(
      /^distribution: "q_uniform" is none of uniform, log_uniform_values, log_uniform, int_uniform/,
    );
    expect(message({ value: 3 })).toEqual(['write a single value as { "values": [x] }']);
    expect(message({ min: 1 })).toEqual(['a range needs "min" and "max" (or give "values")']);
    expect(message({ min: 0, max: 1, distribution: 'log_uniform_values' })).toEqual([
      'log_uniform_values needs min > 0 (log_uniform takes the logs of the bounds)',
    ]);
    expect(message({ min: -9, max: -2, distribution: 'log_uniform' })).toBeUndefined();
    // A width past float64's range would draw Infinity and NaN.
    expect(message({ min: -1e308, max: 1e308 })).toEqual([
      'the range is too wide to draw from: max − min must be a finite number',
    ]);
    // W&B's spelled-out default for a list is taken; its weights and other distributions for a list are not.
    expect(message({ values: [1, 2], distribution: 'categorical' })).toBeUndefined();
    expect(message({ values: [1, 2], distribution: 'uniform' })).toEqual([
      'distribution: a list of values takes "categorical" or none, not "uniform"',
    ]);
    expect(message({ values: [1, 2], probabilities: [0.2, 0.8] })).toEqual(['Unrecognized key: "probabilities"']);
  });

  it('draws random configs inside their ranges, the same for the same seed and different for another', () => {
    const s = (seed: number) =>
      spec({
        method: 'random',
        count: 50,
        seed,
        parameters: {
          'training.learningRate': { min: 1e-4, max: 1e-2, distribution: 'log_uniform_values' },
          'model.latentSize': { min: 2, max: 5, distribution: 'int_uniform' },
          'model.beta': { min: 0.5, max: 4 },
          'training.batchSize': { values: [32, 64] },
        },
      });
    const a = expandSweep(s(7), base());
    const b = expandSweep(s(7), base());
    const c = expandSweep(s(8), base());
    if (!a.ok || !b.ok || !c.ok) throw new Error('refused');
    expect(a.points.map((p) => p.params)).toEqual(b.points.map((p) => p.params));
    expect(a.points.map((p) => p.params)).not.toEqual(c.points.map((p) => p.params));
    const lr = a.points.map((p) => Number(p.params['training.learningRate']));
    const latent = a.points.map((p) => Number(p.params['model.latentSize']));
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lr)).toBeLessThanOrEqual(1e-2);
    // Uniform in log space: about as many draws below 1e-3 (the geometric middle) as above.
    expect(lr.filter((x) => x < 1e-3).length).toBeGreaterThan(12);
    expect(lr.filter((x) => x > 1e-3).length).toBeGreaterThan(12);
    expect(new Set(latent)).toEqual(new Set([2, 3, 4, 5]));
    expect(latent.every(Number.isInteger)).toBe(true);
    expect(new Set(a.points.map((p) => p.params['training.batchSize']))).toEqual(new Set([32, 64]));
  });

  it('draws each config of a random sweep once, and refuses more runs than its values make configs', () => {
    const listed = (count: number, seed = 0) =>
      spec({
        method: 'random',
        count,
        seed,
        parameters: {
          'model.beta': { values: [1, 4, 16] },
          'model.latentSize': { min: 4, max: 5, distribution: 'int_uniform' },
        },
      });
    // 6 configs: with replacement, 6 draws repeat one almost always (1 − 6!/6⁶ ≈ 98.5 %); every seed here draws 6 distinct.
    for (const seed of [0, 1, 2, 3, 4]) {
      const r = expandSweep(listed(6, seed), base());
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      expect(new Set(r.points.map((p) => JSON.stringify(p.params))).size).toBe(6);
    }
    const over = expandSweep(listed(7), base());
    expect(over.ok ? [] : over.issues).toEqual([
      {
        path: 'count',
        message:
          '7 runs, but these values make only 6 distinct configs: a random sweep draws each config once (method grid runs all 6; sweep training.seed too to repeat them)',
      },
    ]);
    expect(distinctConfigs(listed(1).parameters)).toBe(6);
    expect(
      logDrawnPaths({
        'model.beta': { min: 0.5, max: 16, distribution: 'log_uniform_values' },
        'training.learningRate': { min: -9, max: -4, distribution: 'log_uniform' },
        'model.latentSize': { min: 2, max: 12, distribution: 'int_uniform' },
        'training.batchSize': { values: [32, 64] },
      }),
    ).toEqual(['model.beta', 'training.learningRate']);
    expect(
      distinctConfigs({ ...listed(1).parameters, 'training.learningRate': { min: 1e-4, max: 1e-2, distribution: 'uniform' } }),
    ).toBe(Infinity);
  });

  it('draws a whole-number range as W&B does (int_uniform) over a field that takes whole numbers, and only there', () => {
    const asked = spec({
      method: 'random',
      count: 40,
      parameters: {
        'model.latentSize': { min: 2, max: 5 },
        'model.beta': { min: 1, max: 4 },
        'training.learningRate': { min: 0.001, max: 0.01 },
      },
    });
    const resolved = wholeNumberRanges(asked, base());
    expect(Object.values(resolved.parameters).map((p) => ('values' in p ? 'values' : p.distribution))).toEqual([
      'int_uniform',
      'uniform',
      'uniform',
    ]);
    const r = expandSweep(resolved, base());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(new Set(r.points.map((p) => p.params['model.latentSize']))).toEqual(new Set([2, 3, 4, 5]));
    // β takes fractions: uniform draws, as a float field's range is meant.
    expect(r.points.some((p) => !Number.isInteger(p.params['model.beta']))).toBe(true);
    // Not resolved so, the latent size's fractional draws are refused.
    expect(expandSweep(asked, base()).ok).toBe(false);
  });

  it("refuses a random sweep's range whose end a run would refuse, whatever the seed draws", () => {
    // Seed 0 draws a positive rate first; a later draw could be negative.
    const s = spec({ method: 'random', count: 1, parameters: { 'training.learningRate': { min: -0.001, max: 0.1 } } });
    const r = expandSweep(s, base());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      { path: 'parameters.training.learningRate', message: '-0.001 is refused: must be greater than 0' },
    ]);
    // Its max, which a draw never reaches, is not held against it: a factor below 1 from a range up to 1.
    const factor = base();
    factor.training = { ...factor.training, schedule: { kind: 'plateau' } };
    const below = spec({ method: 'random', count: 2, parameters: { 'training.schedule.factor': { min: 0.1, max: 1 } } });
    expect(expandSweep(below, factor).ok).toBe(true);
  });

  it("runs each schedule kind a sweep varies with the settings it reads, not the base's for another kind", () => {
    const stepped = base();
    stepped.training = { ...stepped.training, schedule: { kind: 'step', stepEpochs: 5, gamma: 0.5 } };
    const r = expandSweep(spec({ parameters: { 'training.schedule.kind': { values: ['step', 'cosine'] } } }), stepped);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.points.map((p) => p.config.training.schedule)).toEqual([
      { kind: 'step', stepEpochs: 5, gamma: 0.5 },
      { kind: 'cosine' },
    ]);
    // A setting the sweep sets itself stays, to be refused where its kind does not read it.
    const swept = expandSweep(
      spec({ parameters: { 'training.schedule.kind': { values: ['cosine'] }, 'training.schedule.gamma': { values: [0.5] } } }),
      stepped,
    );
    if (!swept.ok) throw new Error(JSON.stringify(swept.issues));
    expect(swept.points[0]?.config.training.schedule).toStrictEqual({ kind: 'cosine', gamma: 0.5 });
  });

  it('names the parameter of a refused value, and a parameter the schema does not know', () => {
    const r = expandSweep(spec({ parameters: { 'model.beta': { values: [1, -1] }, 'model.betta': { values: [1] } } }), base());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(['parameters.model.beta', 'parameters.model.betta']);
    expect(r.issues.find((i) => i.path === 'parameters.model.beta')?.message).toMatch(/^-1 is refused: must be at least 0/);
  });

  it("says what to write instead of W&B's keys that mean nothing here, and takes W&B's default goal", () => {
    const r = SweepSpec.safeParse({
      name: 's',
      base: 'x',
      method: 'random',
      run_cap: 10,
      program: 'train.py',
      metric: { name: 'test.loss' },
      parameters: { training: { parameters: { learningRate: { min: 0.001, max: 0.1 } } } },
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['run_cap', "W&B's cap on runs: here count says how many runs a random or bayes sweep makes, and maxRuns caps any sweep"],
      ['program', "W&B's training script: a studio sweep trains its runs itself, each from base with its parameters"],
    ]);
    const nested = SweepSpec.safeParse({
      name: 's',
      base: 'x',
      method: 'random',
      parameters: { training: { parameters: { learningRate: { min: 0.001, max: 0.1 } } } },
    });
    expect(nested.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      [
        'parameters.training',
        'W&B\'s nested parameters: name each swept field by its dotted path instead, e.g. "training.learningRate"',
      ],
    ]);
    expect(spec({ metric: { name: 'test.loss' } as never }).metric).toEqual({ name: 'test.loss', goal: 'minimize' });
  });

  it('refuses a parameter named __proto__ (as JSON.parse reads it) instead of dropping it', () => {
    const raw = JSON.parse(
      '{"name":"s","base":"x","method":"grid","parameters":{"__proto__":{"values":[1]},"model.beta":{"values":[1]}}}',
    ) as unknown;
    const r = SweepSpec.safeParse(raw);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['parameters.__proto__']);
    const inBase = SweepSpec.safeParse(
      JSON.parse('{"name":"s","base":{"__proto__":{}},"method":"grid","parameters":{"a":{"values":[1]}}}'),
    );
    expect(inBase.success).toBe(false);
  });

  it('blames the sweep’s name, not base.name, when its runs’ names outgrow their limit', () => {
    const r = expandSweep(spec({ name: 'n'.repeat(120), parameters: { 'model.beta': { values: [1, 4] } } }), base());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path)).toEqual(['name']);
    expect(r.issues[0]?.message).toMatch(/^too long: its runs are named after it and their values \(\d+ characters here\)/);
  });

  it('refuses more runs than the cap before expanding them', () => {
    const r = expandSweep(spec({ maxRuns: 3, parameters: { 'training.seed': { values: [1, 2, 3, 4] } } }), base());
    expect(r).toEqual({ ok: false, issues: [{ path: 'maxRuns', message: 'this sweep makes 4 runs, more than its cap of 3' }] });
    expect(sweepSize(spec({ parameters: { a: { values: [1, 2] }, b: { values: [1, 2, 3] } } }))).toBe(6);
  });

  it('passes each config to the caller’s check and names the parameter it blames', () => {
    const r = expandSweep(spec({ parameters: { 'dataset.trainSubset': { values: [10, 20] } } }), base(), (c) =>
      (c.dataset.trainSubset ?? 0) > 15 ? [{ path: 'dataset.trainSubset', message: 'too many' }] : [],
    );
    expect(r).toEqual({
      ok: false,
      issues: [{ path: 'parameters.dataset.trainSubset', message: '20 is refused: too many' }],
    });
  });
});

describe('config tables', () => {
  it('flattens a config by path and finds the fields that differ', () => {
    const a = flattenConfig({ model: { encoder: [{ units: 64 }], beta: 1, classes: [3, 8] }, name: 'a' });
    expect(a).toEqual({ 'model.encoder[0].units': 64, 'model.beta': 1, 'model.classes': '[3,8]', name: 'a' });
    const b = flattenConfig({ model: { encoder: [{ units: 32 }], beta: 1, classes: [3, 8] }, name: 'b' });
    const c = flattenConfig({ model: { encoder: [{ units: 64 }], beta: 1, classes: [3, 8], extra: true }, name: 'c' });
    expect(differingFields([a, b, c])).toEqual(['model.encoder[0].units', 'model.extra']);
  });

  it('names runs by the last segment of each path unless two share it', () => {
    expect(sweepRunName('s', { 'model.beta': 2, 'training.seed': 1 })).toBe('s · beta=2 seed=1');
    expect(sweepRunName('s', { 'model.encoder[0].units': 64, 'model.decoder[0].units': 32 })).toBe(
      's · model.encoder[0].units=64 model.decoder[0].units=32',
    );
    expect(sweepRunName('s', { 'training.learningRate': 0.000123456 })).toBe('s · learningRate=0.000123');
  });

  it('writes the runs table as CSV, quoting what must be quoted', () => {
    const table: RunsTable = {
      fields: ['model.beta'],
      swept: ['model.beta'],
      metrics: ['test.kl', 'train.loss'],
      rows: [
        {
          id: 1,
          name: 'a, "quoted" run',
          experiment: 'e',
          family: 'vae',
          status: 'completed',
          sweepId: 1,
          createdAt: '',
          epochs: 1,
          config: { 'model.beta': 0.5 },
          metrics: { 'test.kl': 3.5 },
          tags: ['baseline', 'β-4'],
          notes: 'first line\nsecond line',
          starred: true,
        },
      ],
    };
    expect(runsTableCsv(table)).toBe(
      'id,name,status,family,starred,tags,notes,model.beta,test.kl\n' +
        '1,"a, ""quoted"" run",completed,vae,true,baseline β-4,"first line\nsecond line",0.5,3.5\n',
    );
    // A name a spreadsheet would run as a formula stays text; a negative number stays a number.
    const formula = { ...table, rows: table.rows.map((r) => ({ ...r, name: '=HYPERLINK("http://x","ok")', notes: '@SUM(A1)' })) };
    const negative = { ...formula, rows: formula.rows.map((r) => ({ ...r, config: { ...r.config, 'model.beta': -0.5 } })) };
    expect(runsTableCsv(negative).split('\n')[1]).toBe(
      `1,"'=HYPERLINK(""http://x"",""ok"")",completed,vae,true,baseline β-4,'@SUM(A1),-0.5,3.5`,
    );
  });
});

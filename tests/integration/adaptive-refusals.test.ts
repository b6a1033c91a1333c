import { describe, expect, it } from 'vitest';
import type { Studio } from '../../src/core/studio';
import { SweepSpec, type SweepSpecInput } from '../../src/shared/sweep';
import { withTestStudio } from './helpers';
import { findPreset } from '../../src/core/presets';
import { studySweepSpec } from '../../src/shared/study';

let studio: Studio;
withTestStudio((s) => (studio = s));

const base: SweepSpecInput = {
  name: 'refused',
  method: 'bayes',
  count: 5,
  base: 'vae-784-400-20',
  metric: { name: 'test.neg_elbo', goal: 'minimize' },
  parameters: { 'training.learningRate': { min: 1e-4, max: 1e-2, distribution: 'log_uniform_values' } },
};

/** The issues a dry run reports, or the schema's, by path. */
async function issues(over: Partial<SweepSpecInput>): Promise<Record<string, string>> {
  const parsed = SweepSpec.safeParse({ ...base, ...over });
  if (!parsed.success) return Object.fromEntries(parsed.error.issues.map((i) => [i.path.join('.'), i.message]));
  const r = await studio.api['sweeps.create']({ spec: parsed.data, dryRun: true });
  return Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
}

describe('an adaptive sweep spec refused by its key, nothing stored', () => {
  it('accepts a bayes sweep with Hyperband, listing its first proposals', async () => {
    const r = await studio.api['sweeps.create']({
      spec: SweepSpec.parse({ ...base, early_terminate: { type: 'hyperband', min_iter: 1 } }),
      dryRun: true,
    });
    expect(r.issues).toEqual([]);
    expect(r.runs).toHaveLength(2);
  });

  it('warns of an objective that is a loss in a sweep of what defines it, and not of a figure measured alike', async () => {
    const beta = { 'model.beta': { min: 0.5, max: 8 } };
    const onLoss = await studio.api['sweeps.create']({
      spec: SweepSpec.parse({ ...base, metric: { name: 'test.loss', goal: 'minimize' }, parameters: beta }),
      dryRun: true,
    });
    expect(onLoss.issues).toEqual([]);
    expect(onLoss.warnings).toEqual([
      "test.loss is defined by β (KL weight), which this sweep varies: its runs' figures are not on one scale, and a lower " +
        'one need not be a better model. Judge them by test.neg_elbo or test.mse, measured alike in each.',
    ]);
    const onElbo = await studio.api['sweeps.create']({ spec: SweepSpec.parse({ ...base, parameters: beta }), dryRun: true });
    expect(onElbo.warnings).toBeUndefined();
    // The learning rate leaves the loss as it is.
    const onRate = await studio.api['sweeps.create']({
      spec: SweepSpec.parse({ ...base, metric: { name: 'test.loss', goal: 'minimize' } }),
      dryRun: true,
    });
    expect(onRate.warnings).toBeUndefined();
  });

  it('draws a whole-number range over a whole-number field from int_uniform, as W&B does', async () => {
    const r = await studio.api['sweeps.create']({
      spec: SweepSpec.parse({ ...base, method: 'random', count: 8, parameters: { 'model.latentSize': { min: 2, max: 12 } } }),
      dryRun: true,
    });
    expect(r.issues).toEqual([]);
    const drawn = r.runs.map((run) => run.params['model.latentSize']);
    expect(drawn.every((v) => Number.isInteger(v) && Number(v) >= 2 && Number(v) <= 12)).toBe(true);
    // Each config once: 8 of the 11 sizes.
    expect(new Set(drawn).size).toBe(8);
  });

  it('refuses what a study would ignore: another method, a count, other ranges, early termination', async () => {
    const study = studySweepSpec('S', { kind: 'disentanglement', seeds: 1, epochs: 1, subset: 100, models: ['vae'] });
    const ignored = {
      ...study,
      method: 'bayes' as const,
      count: 3,
      metric: { name: 'test.loss', goal: 'minimize' as const },
      parameters: { ...study.parameters, 'training.learningRate': { values: [0.1, 0.01] } },
      early_terminate: { type: 'hyperband' as const, min_iter: 1 },
    };
    const r = await studio.api['sweeps.create']({ spec: SweepSpec.parse(ignored), dryRun: true });
    expect(r.issues.map((i) => i.path)).toEqual(['method', 'count', 'parameters.training.learningRate', 'early_terminate']);
    expect((await studio.api['sweeps.create']({ spec: SweepSpec.parse(study), dryRun: true })).issues).toEqual([]);
  });

  it('names each refusal', async () => {
    expect(await issues({ metric: undefined })).toEqual({ metric: expect.stringContaining('a bayes sweep needs a metric') });
    expect(await issues({ count: undefined })).toEqual({ count: 'a bayes sweep needs a count of runs' });
    expect((await issues({ metric: { name: 'test.accuracy', goal: 'maximize' } }))['metric.name']).toMatch(
      /no run of this sweep reports test\.accuracy \(vae runs report test\.loss, .*test\.neg_elbo/,
    );
    // Hyperband reads its objective at its rungs: the stacked AE's accuracies come once, after the last epoch.
    const stacked = {
      base: 'stacked-ae-784-256-64',
      metric: { name: 'test.accuracy_pretrained', goal: 'maximize' as const },
      early_terminate: { type: 'hyperband' as const, min_iter: 1, eta: 2 },
    };
    expect((await issues(stacked))['metric.name']).toMatch(/^no run of this sweep reports test\.accuracy_pretrained \(/);
    expect((await issues({ ...stacked, early_terminate: undefined }))['metric.name']).toBeUndefined();
    // The β so far is reported during a KL warm-up alone: this preset has none.
    expect((await issues({ metric: { name: 'test.kl_weight', goal: 'minimize' } }))['metric.name']).toMatch(
      /^no run of this sweep reports test\.kl_weight \(vae runs report test\.loss, /,
    );
    // The deepfake's swap error needs a twin pair of sets: two digits of MNIST are none.
    const digits = { base: 'deepfake-digits-3-8', metric: { name: 'test.swap_mse', goal: 'minimize' as const } };
    expect((await issues(digits))['metric.name']).toMatch(
      /^no run of this sweep reports test\.swap_mse \(deepfake runs on mnist, no twin pair of sets, report test\.loss, /,
    );
    // A −ELBO needs a likelihood: runs trained with smooth L1 report none.
    const lossGrid: Partial<SweepSpecInput> = {
      method: 'grid',
      count: undefined,
      parameters: { 'training.loss': { values: ['bce', 'smoothL1'] } },
    };
    expect((await issues(lossGrid))['metric.name']).toMatch(
      /^no run of this sweep reports test\.neg_elbo \(vae runs trained with smoothL1 report test\.loss, train\.loss, test\.mse, test\.reconstruction/,
    );
    expect((await issues({ early_terminate: { type: 'hyperband', min_iter: 1, eta: 1.5 } }))['early_terminate.eta']).toMatch(
      /eta must be at least 2/,
    );
    expect((await issues({ early_terminate: { type: 'hyperband', min_iter: 50 } }))['early_terminate.min_iter']).toMatch(
      /the first rung \(epoch 50\) is not before the runs' last epoch/,
    );
    // W&B's max_iter and s: bands 900/3 = 300 and 900/9 = 100, neither before the preset's last epoch.
    expect((await issues({ early_terminate: { type: 'hyperband', max_iter: 900, s: 2 } }))['early_terminate.max_iter']).toMatch(
      /the first rung \(epoch 100\) is not before the runs' last epoch \(\d+\)/,
    );
    expect((await issues({ early_terminate: { type: 'hyperband' } }))['early_terminate.min_iter']).toMatch(
      /give min_iter, or max_iter with s/,
    );
    const both = await issues({ metrics: [base.metric!, { name: 'test.kl', goal: 'minimize' }] });
    expect(both['metrics']).toBe('give metric or metrics, not both');
    const front = await issues({
      method: 'random',
      metric: undefined,
      metrics: [base.metric!, { name: 'test.kl', goal: 'minimize' }],
      early_terminate: { type: 'hyperband', min_iter: 1 },
    });
    expect(front['early_terminate']).toMatch(/Hyperband judges runs by one metric/);
    expect((await issues({ metric: { name: 'loss', goal: 'minimize' } }))['metric.name']).toMatch(/split\.name/);
    expect(await studio.api['sweeps.list']({})).toEqual([]);
  });

  it('a grid sweep cannot sweep a range, a bayes one can', async () => {
    expect((await issues({ method: 'grid', metric: undefined }))['parameters.training.learningRate']).toMatch(
      /a range needs method "random" or "bayes"/,
    );
  });

  it('refuses a bayes spec by what any proposal may be, not by what its first runs drew', async () => {
    // Smooth L1 reports no −ELBO. The first two runs draw a loss each; whatever they draw, the spec is refused.
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const refused = await issues({
        seed,
        parameters: { ...base.parameters, 'training.loss': { values: ['bce', 'smoothL1'] } },
      });
      expect(refused['metric.name'], `seed ${seed}`).toMatch(/no run of this sweep reports test\.neg_elbo/);
    }
    // A validation split's loss is an objective where the runs hold one out, and only there.
    const validation = { name: 'val.loss', goal: 'minimize' } as const;
    expect((await issues({ metric: validation }))['metric.name']).toMatch(/no run of this sweep reports val\.loss/);
    const preset = findPreset('vae-784-400-20')!;
    const held = { ...preset, dataset: { ...preset.dataset, validationFraction: 0.1 } };
    expect(await issues({ metric: validation, base: held })).toEqual({});
    // Hyperband's first rung is judged against the longest run a proposal may train.
    const epochs = { 'training.epochs': { values: [2, 9] } };
    for (const seed of [0, 1, 2, 3])
      expect(
        await issues({
          seed,
          parameters: { ...base.parameters, ...epochs },
          early_terminate: { type: 'hyperband', min_iter: 3 },
        }),
        `seed ${seed}`,
      ).toEqual({});
  });

  it('stores a sweep as given, so that the same spec file continues it', async () => {
    // Its whole-number range is drawn as int_uniform, and stored as it was written: the CLI compares the two.
    const spec = SweepSpec.parse({
      ...base,
      name: 'whole',
      method: 'random',
      count: 1,
      parameters: { 'model.latentSize': { min: 2, max: 4 } },
    });
    await studio.api['scheduler.set']({ paused: true });
    const { sweepId } = await studio.api['sweeps.create']({ spec });
    expect((await studio.api['sweeps.get']({ sweepId: sweepId! })).spec).toEqual(spec);
    await studio.api['sweeps.cancel']({ sweepId: sweepId! });
    await studio.api['scheduler.set']({ paused: false });
  });
});

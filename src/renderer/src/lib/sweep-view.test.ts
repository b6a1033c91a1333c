import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../shared/api';
import {
  applicableEvaluations,
  applicableOnly,
  applyFixedValues,
  baseSourceHelp,
  datasetChoices,
  duplicatePaths,
  emptyParameterRow,
  formIssues,
  readBaseValue,
  requiredBaseField,
  startHint,
  startLabel,
  suggestSweepName,
  sweepBaseFields,
  unreportedMetrics,
  writeBaseValue,
} from './sweep-view';
import { defaultRunConfig } from '../../../families/run-config';

describe('the base config', () => {
  it('applies the fixed values, skipping empty rows and naming what it cannot set', () => {
    const config = { model: { beta: 1 }, training: { epochs: 3 } };
    const { config: applied, issues } = applyFixedValues(config, [
      { id: 1, path: 'model.beta', value: ' 4 ' },
      { id: 2, path: 'model.activation', value: 'tanh' },
      { id: 3, path: '', value: '9' },
      { id: 4, path: 'training.seed', value: '  ' },
      { id: 5, path: 'training.epochs.x', value: '1' },
    ]);
    expect(applied).toEqual({ model: { beta: 4, activation: 'tanh' }, training: { epochs: 3 } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('base.training.epochs.x');
  });
  it('reads and writes a base setting by its path; an empty value removes it', () => {
    const config: Record<string, unknown> = { dataset: { name: 'mnist', trainSubset: 100 }, backend: 'wasm' };
    expect(readBaseValue(config, 'dataset.name')).toBe('mnist');
    expect(readBaseValue(config, 'backend')).toBe('wasm');
    expect(readBaseValue(config, 'training.epochs')).toBeUndefined();
    expect(readBaseValue(null, 'backend')).toBeUndefined();
    expect(writeBaseValue(config, 'dataset.trainSubset', undefined)).toBe(true);
    expect(writeBaseValue(config, 'backend', '')).toBe(true);
    expect(writeBaseValue(config, 'dataset.testSubset', 50)).toBe(true);
    expect(config).toEqual({ dataset: { name: 'mnist', testSubset: 50 } });
  });
  it('offers the common settings from their schemas, the data set, epochs and batch size required', () => {
    const fields = sweepBaseFields();
    expect(fields.map((f) => f.path)).toEqual([
      'dataset.name',
      'dataset.trainSubset',
      'dataset.testSubset',
      'training.epochs',
      'training.batchSize',
      'backend',
    ]);
    expect(fields.at(-1)?.schema.enum).toContain('wasm');
    expect(fields.filter((f) => requiredBaseField(f.path)).map((f) => f.path)).toEqual([
      'dataset.name',
      'training.epochs',
      'training.batchSize',
    ]);
  });
  it('lists the data sets with their shape, saying which are missing', () => {
    const sets = [
      { name: 'mnist', height: 28, width: 28, channels: 1, available: true },
      { name: 'faces', height: 64, width: 64, channels: 3, available: false },
    ] as DatasetInfo[];
    expect(datasetChoices(sets)).toEqual([
      { value: 'mnist', label: 'mnist · 28×28×1' },
      { value: 'faces', label: 'faces · 64×64×3 (not installed)' },
    ]);
  });
  it('says what the sweep keeps of the base', () => {
    expect(baseSourceHelp('', false)).toBe('the sweep keeps this whole config');
    expect(baseSourceHelp('vae-mnist', false)).toBe('the sweep names preset vae-mnist');
    expect(baseSourceHelp('vae-mnist', true)).toBe('preset vae-mnist, edited: the sweep keeps the whole config');
  });
});

describe('the sweep', () => {
  it('suggests a name no sweep has', () => {
    expect(suggestSweepName('vae-mnist', [])).toBe('vae-mnist sweep');
    expect(suggestSweepName('vae-mnist', ['vae-mnist sweep', 'vae-mnist sweep 2'])).toBe('vae-mnist sweep 3');
  });
  it('offers the evaluations the family and data set allow, and drops those that stop applying', () => {
    const applies = (o: ReturnType<typeof applicableEvaluations>) => o.filter((x) => x.applies).map((x) => x.kind);
    expect(applies(applicableEvaluations({ codes: true, likelihood: true }, { classes: 10, factors: [] }))).toEqual([
      'clustering',
      'probe',
      'nll',
    ]);
    expect(applies(applicableEvaluations({ codes: false, likelihood: false }, { classes: 10, factors: [] }))).toEqual([]);
    expect(applies(applicableEvaluations(undefined, undefined))).toEqual([]);
    const options = applicableEvaluations({ codes: true, likelihood: false }, { classes: 0, factors: [] } as never);
    expect(applicableOnly(['nll', 'clustering'], options)).toEqual([]);
    expect(applicableOnly([], options)).toBeNull();
  });
  it('starts a parameter row empty, and finds the paths swept twice', () => {
    expect(emptyParameterRow(3)).toEqual({
      id: 3,
      path: '',
      mode: 'values',
      values: '',
      min: undefined,
      max: undefined,
      distribution: 'uniform',
    });
    expect(duplicatePaths(['model.beta', '', '', 'training.seed', 'model.beta'])).toEqual(new Set(['model.beta']));
  });
  it('names the core’s issues as the form does', () => {
    expect(formIssues([{ path: 'spec.maxRuns', message: 'too many' }])).toEqual([{ path: 'maxRuns', message: 'too many' }]);
  });
  it('labels the start button and its hint', () => {
    expect(startLabel(false, false, 6)).toBe('Start sweep (6 runs)');
    expect(startLabel(false, true, null)).toBe('Submit to Slurm');
    expect(startLabel(true, false, 6)).toBe('Queuing…');
    expect(startLabel(true, true, 6)).toBe('Submitting…');
    expect(startHint(true, 4)).toBe('one sbatch job array of 4 tasks');
    expect(startHint(true, null)).toBe('one sbatch job array of its tasks');
    expect(startHint(false, 4)).toBe('runs queue behind the scheduler’s limit');
  });
});

describe('the objectives some run would not report', () => {
  const row = (
    path: string,
    values: string,
    mode: 'values' | 'range' = 'values',
    min?: number,
    max?: number,
    distribution: 'uniform' | 'log_uniform' | 'int_uniform' = 'int_uniform',
  ) => ({ path, mode, values, min, max, distribution });
  const vae = (klWarmupEpochs: number) => {
    const c = defaultRunConfig('vae') as unknown as { model: Record<string, unknown> };
    return { ...c, model: { ...c.model, klWarmupEpochs } } as Record<string, unknown>;
  };

  it('leaves out a VAE’s β without a warm-up (the core refuses it), and offers it with one', () => {
    expect(unreportedMetrics('vae', vae(0), [])).toEqual(['test.kl_weight']);
    expect(unreportedMetrics('vae', vae(5), [])).toEqual([]);
  });

  it('reads the warm-up a row sweeps: any value of none leaves it out, values and ranges alike', () => {
    expect(unreportedMetrics('vae', vae(5), [row('model.klWarmupEpochs', '0, 5')])).toEqual(['test.kl_weight']);
    expect(unreportedMetrics('vae', vae(5), [row('model.klWarmupEpochs', '2, 5')])).toEqual([]);
    expect(unreportedMetrics('vae', vae(5), [row('model.klWarmupEpochs', '', 'range', 0, 4)])).toEqual(['test.kl_weight']);
    // W&B's log_uniform bounds are logs: 0 to 2 draws e⁰ = 1 to e² epochs, a warm-up in every run.
    expect(unreportedMetrics('vae', vae(5), [row('model.klWarmupEpochs', '', 'range', 0, 2, 'log_uniform')])).toEqual([]);
    // Another field swept, or a list half typed, changes nothing.
    expect(unreportedMetrics('vae', vae(5), [row('model.beta', '1, 4'), row('model.klWarmupEpochs', '[2,')])).toEqual([]);
  });

  it('names nothing for a family that reports every figure it declares, or a base without a model', () => {
    expect(unreportedMetrics('autoencoder', defaultRunConfig('autoencoder') as unknown as Record<string, unknown>, [])).toEqual(
      [],
    );
    expect(unreportedMetrics('vae', null, [])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { SweepSpec } from '../../../shared/sweep';
import { defaultRunConfig } from '../../../families/run-config';
import { familySpecs } from '../../../families/specs';
import type { MetricDeclaration } from '../../../shared/family-declarations';
import {
  bayesPlan,
  buildSweepSpec,
  defaultStartupTrials,
  configFields,
  lossScaleWarning,
  formatValueList,
  parameterIssues,
  parseValueList,
  specIssuePath,
  type ParameterRow,
} from './sweep-form';

describe('parseValueList', () => {
  it('reads numbers, words, booleans and lists from a comma list', () => {
    expect(parseValueList('0.5, 2, 8')).toEqual([0.5, 2, 8]);
    expect(parseValueList(' 1e-3 ,1e-2,')).toEqual([0.001, 0.01]);
    expect(parseValueList('relu, "tanh", true, null')).toEqual(['relu', 'tanh', true, null]);
    expect(parseValueList('[16, 8], [32, 16]')).toEqual([
      [16, 8],
      [32, 16],
    ]);
    expect(parseValueList('"a, b", c')).toEqual(['a, b', 'c']);
    expect(parseValueList('   ')).toEqual([]);
  });

  it('round-trips through formatValueList', () => {
    const values = [0.5, 'relu', '2', true, [7, 7, 64], 'a, b'];
    expect(parseValueList(formatValueList(values))).toEqual(values);
    expect(formatValueList([0.5, 'relu'])).toBe('0.5, relu');
  });
});

describe('configFields', () => {
  it('lists a VAE config’s fields with the form’s labels, model first, and its layers', () => {
    const fields = configFields(defaultRunConfig('vae'));
    const beta = fields.find((f) => f.path === 'model.beta');
    expect(beta).toMatchObject({ label: 'β (KL weight)', kind: 'number' });
    expect(fields.find((f) => f.path === 'training.optimizer')).toMatchObject({
      kind: 'enum',
      options: ['adam', 'sgd', 'rmsprop'],
    });
    expect(fields.find((f) => f.path === 'dataset.trainSubset')).toMatchObject({
      label: 'Train subset',
      kind: 'integer',
      value: 6000,
    });
    // Unset optional fields can be swept too; lists and the run's name cannot.
    expect(fields.some((f) => f.path === 'training.smoothL1Beta' && f.value === undefined)).toBe(true);
    expect(fields.some((f) => f.path === 'dataset.classes' || f.path === 'name')).toBe(false);
    expect(fields.find((f) => f.path === 'model.encoder[0].units')?.label).toBe('Encoder layer 1: units');
    expect(fields.findIndex((f) => f.path.startsWith('model.'))).toBe(0);
  });

  it('lists the fields of the training options that are objects: a schedule’s kind, early stopping’s patience', () => {
    const fields = configFields(defaultRunConfig('autoencoder'));
    expect(fields.find((f) => f.path === 'training.schedule.kind')).toMatchObject({
      label: 'Learning-rate schedule: Kind',
      kind: 'enum',
      options: ['constant', 'step', 'exponential', 'cosine', 'plateau'],
    });
    expect(fields.find((f) => f.path === 'training.earlyStopping.patience')).toMatchObject({ kind: 'integer' });
    expect(fields.find((f) => f.path === 'training.weightDecay')).toMatchObject({ label: 'Weight decay', kind: 'number' });
  });
});

describe('lossScaleWarning', () => {
  const vae = configFields(defaultRunConfig('vae'));
  const declared = (family: string) =>
    (familySpecs[family as keyof typeof familySpecs] as { metrics?: MetricDeclaration[] }).metrics ?? [];
  const choices = ['test.loss', 'train.loss', 'test.mse', 'test.neg_elbo', 'test.reconstruction', 'test.kl'];

  it('warns when the objective is a loss and the sweep varies what defines it, naming the figures measured alike', () => {
    expect(lossScaleWarning('test.loss', ['model.beta', 'training.learningRate'], vae, choices, declared('vae'))).toBe(
      "test.loss is defined by β (KL weight), which this sweep varies: its runs' figures are not on one " +
        'scale, and a lower one need not be a better model. Judge them by test.neg_elbo or test.mse, measured alike in each.',
    );
    // A different reconstruction loss changes the likelihood too: only the MSE compares the runs, and a −ELBO is warned of.
    expect(lossScaleWarning('test.loss', ['training.loss', 'model.beta'], vae, choices, declared('vae'))).toMatch(
      /defined by β \(KL weight\) and Reconstruction loss, which .* Judge them by test\.mse, measured/,
    );
    expect(lossScaleWarning('test.neg_elbo', ['training.loss'], vae, choices, declared('vae'))).toMatch(
      /^test\.neg_elbo depends on Reconstruction loss, which .* Judge them by test\.mse, measured/,
    );
  });

  it('names only figures measured alike: not the IWAE bound (its loss) in a sweep of K, nor the denoised MSE in one of the noise', () => {
    const iwae = configFields(defaultRunConfig('iwae'));
    const iwaeChoices = [...choices, 'test.iwae'];
    expect(lossScaleWarning('test.loss', ['model.samples'], iwae, iwaeChoices, declared('iwae'))).toMatch(
      /Judge them by test\.neg_elbo or test\.mse, measured/,
    );
    const denoising = configFields(defaultRunConfig('denoising-ae'));
    expect(
      lossScaleWarning(
        'test.loss',
        ['model.noiseLevel'],
        denoising,
        ['test.loss', 'test.mse', 'test.denoised_mse'],
        declared('denoising-ae'),
      ),
    ).toMatch(/Judge them by test\.mse, measured alike in each\.$/);
  });

  it('is silent for a figure measured alike, and for a sweep of what leaves the loss as it is', () => {
    expect(lossScaleWarning('test.neg_elbo', ['model.beta'], vae, choices, declared('vae'))).toBeNull();
    expect(
      lossScaleWarning('test.loss', ['model.latentSize', 'training.learningRate'], vae, choices, declared('vae')),
    ).toBeNull();
    // A plain autoencoder's loss is its reconstruction error, whatever its size.
    const ae = configFields(defaultRunConfig('autoencoder'));
    expect(ae.some((f) => f.scalesLoss && f.path.startsWith('model.'))).toBe(false);
  });

  it("marks each family's loss weights", () => {
    const marked = (family: string) =>
      configFields(defaultRunConfig(family))
        .filter((f) => f.scalesLoss && f.path.startsWith('model.'))
        .map((f) => f.path);
    expect(marked('vae')).toEqual(['model.beta', 'model.capacityMaxNats', 'model.capacityGamma']);
    expect(marked('sparse-ae')).toContain('model.lambda');
    expect(marked('denoising-ae')).toEqual(['model.noise', 'model.noiseLevel']);
    expect(marked('factor-vae')).toEqual(['model.gamma']);
  });
});

describe('buildSweepSpec', () => {
  const row = (over: Partial<ParameterRow>): ParameterRow => ({
    id: 1,
    path: 'model.beta',
    mode: 'values',
    values: '0.5, 2, 8',
    min: undefined,
    max: undefined,
    distribution: 'uniform',
    ...over,
  });
  it('builds a grid spec the contract accepts, leaving out rows without a path', () => {
    const spec = buildSweepSpec({
      name: 'beta',
      base: 'vae-mnist',
      method: 'grid',
      parameters: [row({}), row({ id: 2, path: '' })],
      count: 5,
      maxRuns: 20,
      seed: 3,
    });
    expect(spec).toEqual({
      name: 'beta',
      base: 'vae-mnist',
      method: 'grid',
      parameters: { 'model.beta': { values: [0.5, 2, 8] } },
      maxRuns: 20,
    });
    expect(SweepSpec.safeParse(spec).success).toBe(true);
  });
  it('takes an emptied number field (null, from bind:value) as not set, so the schema defaults hold', () => {
    const spec = buildSweepSpec({
      name: 'beta',
      base: 'vae-mnist',
      method: 'bayes',
      parameters: [row({})],
      count: 4,
      maxRuns: null,
      seed: null,
      metric: { name: 'test.loss', goal: 'minimize' },
      concurrency: null,
    });
    expect(spec).not.toHaveProperty('maxRuns');
    expect(spec).not.toHaveProperty('seed');
    expect(spec).not.toHaveProperty('concurrency');
    expect(SweepSpec.safeParse(spec).success).toBe(true);
  });
  it('takes ranges, count and seed only for the random method', () => {
    const spec = buildSweepSpec({
      name: 'lr',
      base: 'x',
      method: 'random',
      parameters: [
        row({ path: 'training.learningRate', mode: 'range', min: 1e-4, max: 1e-2, distribution: 'log_uniform_values' }),
      ],
      count: 8,
      maxRuns: undefined,
      seed: 3,
    });
    expect(spec.parameters).toEqual({ 'training.learningRate': { min: 1e-4, max: 1e-2, distribution: 'log_uniform_values' } });
    expect(spec).toMatchObject({ count: 8, seed: 3 });
  });
});

describe('issues', () => {
  it('strips the request prefix and gives each issue to the row with the longest path holding it', () => {
    expect(specIssuePath('spec.parameters.model.beta.values')).toBe('parameters.model.beta.values');
    const byRow = parameterIssues(
      [
        { path: 'parameters.model.encoder[0].units', message: 'a' },
        { path: 'parameters.model.encoder', message: 'b' },
        { path: 'parameters.model.betaMax', message: 'c' },
        { path: 'maxRuns', message: 'd' },
      ],
      ['model.encoder', 'model.encoder[0].units', 'model.beta'],
    );
    expect(byRow.get('model.encoder[0].units')?.map((i) => i.message)).toEqual(['a']);
    expect(byRow.get('model.encoder')?.map((i) => i.message)).toEqual(['b']);
    expect(byRow.get('model.beta')).toEqual([]);
  });
});

describe('a bayes sweep’s plan in words', () => {
  it('says when TPE takes over, and that a sweep of no more runs than its random start is a random search', () => {
    expect(bayesPlan(20, 2, 10)).toBe(
      'The first 2 now; the other 18 as earlier runs end: random up to run 10, then proposed by TPE from the results.',
    );
    // The runs proposed ahead are random whatever the start says.
    expect(bayesPlan(8, 3, 1)).toContain('random up to run 3, then proposed by TPE');
    expect(bayesPlan(8, 2, 10)).toBe(
      'The first 2 now; the other 6 are random draws too: TPE proposes only after 10 random runs, and this sweep makes 8.',
    );
    expect(bayesPlan(2, 2, 10)).toBe('');
  });
  it('starts with half the runs random, at most Optuna’s ten, until the user says', () => {
    expect([8, 10, 30, 1, null].map(defaultStartupTrials)).toEqual([4, 5, 10, 1, 10]);
  });
  it('puts the random start in the spec of a bayes sweep only', () => {
    const beta: ParameterRow = {
      id: 1,
      path: 'model.beta',
      mode: 'values',
      values: '1, 4',
      min: undefined,
      max: undefined,
      distribution: 'uniform',
    };
    const form = { name: 'b', base: 'x', parameters: [beta], count: 8, maxRuns: undefined, seed: undefined, startupTrials: 3 };
    expect(buildSweepSpec({ ...form, method: 'bayes' })).toMatchObject({ startup_trials: 3 });
    expect(buildSweepSpec({ ...form, method: 'random' })).not.toHaveProperty('startup_trials');
  });
});

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { familySpec, familySpecs } from '../../../../families/specs';
import type { FamilyInfo } from '../../../../shared/api';
import {
  comparisonMetric,
  configTable,
  defaultMetric,
  defaultScatterAxes,
  fieldLabels,
  formatValue,
  imagesAtEpoch,
  kindTitle,
  metricTitle,
  mixedMeaning,
  mixedScale,
  mixedUnits,
  orderMetrics,
  parseMetricKey,
  unfinishedNote,
  unlikeFigures,
  type CompareRow,
} from '../compare';
import { unsetMeaning } from '../../../../shared/config-unset';
import { sweep, sweepFields } from './fixtures';

describe('the metric a comparison opens on', () => {
  const info = (id: 'vae' | 'autoencoder') => ({
    id,
    metrics: (familySpecs[id] as { metrics?: FamilyInfo['metrics'] }).metrics ?? [],
    modelSchema: z.toJSONSchema(familySpecs[id].modelSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  });
  const families = [info('vae'), info('autoencoder')];
  const metrics = ['test.kl', 'test.loss', 'test.neg_elbo', 'test.reconstruction'];
  const row = (family: string, figures: Record<string, number>) => ({ family, metrics: figures });
  const vaes = [
    row('vae', { 'test.loss': 120, 'test.neg_elbo': 110, 'test.mse': 0.03 }),
    row('vae', { 'test.loss': 150, 'test.neg_elbo': 105, 'test.mse': 0.04 }),
  ];

  it('is the family’s headline where the runs differ in what weighs their loss (β), else the test loss', () => {
    expect(comparisonMetric({ fields: ['model.beta'], metrics, rows: vaes } as never, families)).toBe('test.neg_elbo');
    // Under two reconstruction losses the likelihoods differ too: the MSE.
    expect(comparisonMetric({ fields: ['training.loss'], metrics, rows: vaes } as never, families)).toBe('test.mse');
    expect(comparisonMetric({ fields: ['training.learningRate'], metrics, rows: vaes } as never, families)).toBe('test.loss');
    // Of two families, or a run without the figure: the test loss.
    const mixed = [vaes[0]!, row('autoencoder', { 'test.loss': 0.05 })];
    expect(comparisonMetric({ fields: ['model.beta'], metrics, rows: mixed } as never, families)).toBe('test.loss');
    const without = [vaes[0]!, row('vae', { 'test.loss': 0.05 })];
    expect(comparisonMetric({ fields: ['model.beta'], metrics, rows: without } as never, families)).toBe('test.loss');
    // A run still queued (no figures yet) does not send a β comparison back to the β-weighted loss.
    const queued = [...vaes, row('vae', {})];
    expect(comparisonMetric({ fields: ['model.beta'], metrics, rows: queued } as never, families)).toBe('test.neg_elbo');
  });
});

describe('unfinished runs on a chart of final metrics', () => {
  it('counts the runs that did not complete by what became of them', () => {
    expect(unfinishedNote([{ status: 'completed' }, { status: 'completed' }])).toBeNull();
    expect(unfinishedNote([{ status: 'completed' }, { status: 'stopped' }])).toBe(
      'Hollow: a run stopped early by the sweep, drawn at its last epoch.',
    );
    expect(unfinishedNote([{ status: 'stopped' }, { status: 'running' }, { status: 'stopped' }, { status: 'completed' }])).toBe(
      'Hollow: 3 runs that did not complete (2 stopped early by the sweep, 1 still training), drawn at their last epoch.',
    );
  });
});

describe('metric keys', () => {
  it('splits split.name and refuses what is not one', () => {
    expect(parseMetricKey('test.kl')).toEqual({ split: 'test', name: 'kl' });
    expect(parseMetricKey('train.batch_loss')).toEqual({ split: 'train', name: 'batch_loss' });
    expect(parseMetricKey('loss')).toBeUndefined();
    expect(parseMetricKey('val.loss')).toBeUndefined();
    expect(parseMetricKey('test.')).toBeUndefined();
  });

  it('opens on test loss, and on rate against distortion for VAEs', () => {
    expect(defaultMetric(['train.loss', 'test.kl', 'test.loss'])).toBe('test.loss');
    expect(defaultMetric(['train.loss', 'test.mse'])).toBe('test.mse');
    expect(defaultMetric([])).toBeUndefined();
    expect(defaultScatterAxes(['test.loss', 'test.reconstruction', 'test.kl'])).toEqual({
      x: 'test.kl',
      y: 'test.reconstruction',
    });
    expect(defaultScatterAxes(['train.loss', 'test.loss', 'test.mse'])).toEqual({ x: 'test.mse', y: 'test.loss' });
    expect(defaultScatterAxes(['test.loss'])).toBeUndefined();
  });
  it("passes over a metric every run has the same value of when it picks the scatter's axes", () => {
    const rows = [
      { metrics: { 'test.loss': 1, 'test.kl': 3, 'test.reconstruction': 9, 'test.mse': 0.1 } },
      { metrics: { 'test.loss': 2, 'test.kl': 3, 'test.reconstruction': 8, 'test.mse': 0.2 } },
    ];
    expect(defaultScatterAxes(['test.loss', 'test.reconstruction', 'test.kl', 'test.mse'], rows)).toEqual({
      x: 'test.reconstruction',
      y: 'test.loss',
    });
  });
  it("sets an autoencoder's loss against a metric of its own, else against training time, never its baseline", () => {
    const keys = ['test.loss', 'test.mse', 'test.baseline_mse', 'test.sparsity', 'run.training_seconds'];
    // A plain autoencoder: its MSE is its loss, and the mean image's error differs only with the training subset.
    const plain = [
      { metrics: { 'test.loss': 0.04, 'test.mse': 0.040004, 'test.baseline_mse': 0.065, 'run.training_seconds': 30 } },
      { metrics: { 'test.loss': 0.06, 'test.mse': 0.06, 'test.baseline_mse': 0.066, 'run.training_seconds': 12 } },
    ];
    expect(defaultScatterAxes(keys, plain)).toEqual({ x: 'run.training_seconds', y: 'test.loss' });
    // A sparse one: its penalty says how the loss was reached.
    const sparse = plain.map((r, i) => ({
      metrics: { ...r.metrics, 'test.loss': r.metrics['test.loss'] + 0.01 * (i + 1), 'test.sparsity': i + 1 },
    }));
    expect(defaultScatterAxes(keys, sparse)).toEqual({ x: 'test.mse', y: 'test.loss' });
    // Runs equally long and nothing else telling: the first other test metric, as before.
    const still = plain.map((r) => ({ metrics: { ...r.metrics, 'run.training_seconds': 30 } }));
    expect(defaultScatterAxes(keys, still)).toEqual({ x: 'test.mse', y: 'test.loss' });
  });
  it('says when one config field means different things in the rows’ families (their specs’ own labels)', () => {
    const info = (id: string) => {
      const spec = familySpec(id)!;
      return { id, label: spec.label, modelSchema: z.toJSONSchema(spec.modelSchema, { io: 'input', unrepresentable: 'any' }) };
    };
    const families = ['vae', 'beta-tc-vae', 'factor-vae'].map(info);
    const rows = [{ family: 'beta-tc-vae' }, { family: 'factor-vae' }, { family: 'vae' }];
    expect(mixedMeaning('model.gamma', rows, families)).toBe(
      'means different things: γ (dimension-wise KL weight) in β-TC-VAE (total correlation); γ (TC weight) in FactorVAE (discriminator TC)',
    );
    expect(mixedMeaning('model.beta', rows, families)).toBe(
      'means different things: β (TC weight) in β-TC-VAE (total correlation); β (KL weight) in Variational autoencoder (VAE, β-VAE)',
    );
    // One family, or a field every family means alike (the code's size), or a path below the model's own fields.
    expect(mixedMeaning('model.gamma', rows.slice(0, 1), families)).toBeNull();
    expect(mixedMeaning('model.latentSize', rows, families)).toBeNull();
    expect(mixedMeaning('training.seed', rows, families)).toBeNull();
  });
  it('says when one metric mixes units across families', () => {
    const families = [
      { id: 'vae', label: 'VAE', lossUnit: 'per image (nats for BCE)', metrics: [] },
      { id: 'vq-vae', label: 'VQ-VAE', lossUnit: 'per pixel', metrics: [] },
      { id: 'autoencoder', label: 'Autoencoder', lossUnit: 'per pixel', metrics: [] },
    ];
    const rows = [{ family: 'vae' }, { family: 'vq-vae' }, { family: 'autoencoder' }];
    expect(mixedUnits('test.loss', rows, families)).toBe(
      'mixed units: per image (nats for BCE) (VAE); per pixel (VQ-VAE, Autoencoder)',
    );
    expect(mixedUnits('test.loss', rows.slice(1), families)).toBeNull();
    expect(mixedUnits('test.kl', rows, families)).toBeNull();
    // The reconstruction part is in the loss's unit where a family declares none of its own.
    expect(mixedUnits('test.reconstruction', rows, families)).toBe(
      'mixed units: per image (nats for BCE) (VAE); per pixel (VQ-VAE, Autoencoder)',
    );
    const declared = families.map((f) => ({
      ...f,
      metrics: [{ name: 'reconstruction', label: 'reconstruction', unit: 'per pixel' }],
    }));
    expect(mixedUnits('test.reconstruction', rows, declared)).toBeNull();
  });
});

describe('metric pickers', () => {
  const families = [
    {
      metrics: [
        { name: 'neg_elbo', label: 'test −ELBO' },
        { name: 'kl', label: 'KL', unit: 'nats' },
        { name: 'kl_per_dim', label: 'KL per latent dimension', perDimension: 'kl_dim_' },
      ],
    },
  ];

  it('titles metrics as families declare them', () => {
    expect(metricTitle('test.neg_elbo', families)).toBe('test −ELBO');
    expect(metricTitle('train.kl', families)).toBe('train KL (nats)');
    expect(metricTitle('train.batch_loss', families)).toBe('train batch loss');
    expect(metricTitle('odd', families)).toBe('odd');
    // The figures every run logs, as the run page names them.
    expect([metricTitle('test.mse', families), metricTitle('test.baseline_mse', families)]).toEqual([
      'test MSE',
      'test mean-image MSE',
    ]);
    expect(metricTitle('run.training_seconds', families)).toBe('training time (s)');
    // A dimension of a per-dimension set, as the run page's bars name it: z1 is kl_dim_0.
    expect(metricTitle('test.kl_dim_0', families)).toBe('test KL per latent dimension · z1');
    expect(metricTitle('test.kl_dim_12', families)).toBe('test KL per latent dimension · z13');
    expect(metricTitle('test.kl_dim_x', families)).toBe('test kl dim x');
  });

  it('lists test metrics first and per-dimension ones last', () => {
    expect(orderMetrics(['train.loss', 'test.kl_dim_0', 'test.loss', 'train.kl', 'test.kl'])).toEqual([
      'test.loss',
      'test.kl',
      'train.loss',
      'train.kl',
      'test.kl_dim_0',
    ]);
  });
});

describe('values and labels', () => {
  it('formats config values briefly', () => {
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(1 / 3)).toBe('0.333');
    expect(formatValue(128)).toBe('128');
    expect(formatValue(0.0002)).toBe('2e-4');
    expect(formatValue(0.00025)).toBe('2.5e-4');
    // Whole numbers whole (a batch of 1024 read "1020"), and three digits in exponent form too.
    expect([1024, 2048, 1234, 42].map(formatValue)).toEqual(['1024', '2048', '1234', '42']);
    expect([1.02e-4, 1.04e-4, 3.1e-4, 3.14e-4].map(formatValue)).toEqual(['1.02e-4', '1.04e-4', '3.1e-4', '3.14e-4']);
    expect(formatValue(2.5e7)).toBe('2.5e7');
    expect(formatValue([784, 400])).toBe('[784,400]');
    expect(formatValue(true)).toBe('true');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(undefined)).toBe('–');
  });

  it('labels paths by their last segment unless two share it', () => {
    expect(fieldLabels(['model.beta', 'training.seed', 'dataset.seed', 'model.encoder[0].units'])).toEqual({
      'model.beta': 'beta',
      'training.seed': 'training.seed',
      'dataset.seed': 'dataset.seed',
      'model.encoder[0].units': 'units',
    });
    // Layers' fields alike in name read by their stack and place (a comparison of two architectures).
    expect(fieldLabels(['model.encoder[0].units', 'model.decoder[1].units', 'model.encoder[0].activation'])).toEqual({
      'model.encoder[0].units': 'encoder 1 units',
      'model.decoder[1].units': 'decoder 2 units',
      'model.encoder[0].activation': 'activation',
    });
  });
});

describe('images', () => {
  const index = [
    { id: 1, runId: 1, kind: 'reconstructions', epoch: 1, mime: 'image/png' },
    { id: 2, runId: 1, kind: 'reconstructions', epoch: 2, mime: 'image/png' },
    { id: 3, runId: 1, kind: 'reconstructions', epoch: 3, mime: 'image/png' },
    { id: 4, runId: 2, kind: 'reconstructions', epoch: 1, mime: 'image/png' },
    { id: 5, runId: 2, kind: 'reconstructions', epoch: 3, mime: 'image/png' },
    { id: 6, runId: 2, kind: 'prior-samples', epoch: 3, mime: 'image/png' },
    { id: 7, runId: 2, kind: 'latent-scatter', epoch: 3, mime: 'application/json' },
    { id: 8, runId: 3, kind: 'reconstructions', epoch: 5, mime: 'image/png' },
  ];

  it('shows each run at the largest epoch not after the slider', () => {
    const at2 = imagesAtEpoch(index, 'reconstructions', 2);
    expect([...at2].map(([run, a]) => [run, a.id])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect([...imagesAtEpoch(index, 'reconstructions', 9)].map(([run, a]) => [run, a.id])).toEqual([
      [1, 3],
      [2, 5],
      [3, 8],
    ]);
    expect(imagesAtEpoch(index, 'reconstructions', 0).size).toBe(0);
  });

  it('titles a kind as a family declares it, else in words', () => {
    const families = [{ views: [{ kind: 'prior-samples', title: 'Samples from the prior', view: 'image-grid' as const }] }];
    expect(kindTitle('prior-samples', families)).toBe('Samples from the prior');
    expect(kindTitle('decoder_swaps', families)).toBe('Decoder swaps');
  });
});

describe('config table', () => {
  it('lists the differing fields, or every field', () => {
    const rows = sweep.slice(0, 2);
    expect(configTable(rows, sweepFields, false)).toEqual([
      { path: 'model.beta', values: [10, 10], unset: [undefined, undefined], differs: false },
      { path: 'training.seed', values: [1, 2], unset: [undefined, undefined], differs: true },
    ]);
    // β is the same in these two runs; the name differs though the differing fields leave it out.
    expect(configTable(rows, ['training.seed'], true).map((r) => [r.path, r.differs])).toEqual([
      ['name', true],
      ['model.beta', false],
      ['training.seed', true],
      ['training.epochs', false],
    ]);
  });

  it('shows what a field left unset means, and reads it as alike to the same value set', () => {
    const modelSchema = z.toJSONSchema(familySpecs['vq-vae'].modelSchema, { io: 'input', unrepresentable: 'any' });
    const row = (id: number, config: CompareRow['config']): CompareRow => ({ ...sweep[0]!, id, family: 'vq-vae', config });
    const rows = [
      row(1, { 'model.codebookSize': 64, 'training.epochs': 5 }),
      row(2, { 'model.codebookSize': 64, 'model.codebookInit': 'uniform', 'training.epochs': 5 }),
      row(3, { 'model.codebookSize': 64, 'model.codebookInit': 'kmeans', 'training.epochs': 5, 'training.clipNorm': 1 }),
    ];
    const unsetOf = (r: CompareRow, path: string) => unsetMeaning(path, r.config, modelSchema);
    const [init, clip] = configTable(rows, ['model.codebookInit', 'training.clipNorm'], false, unsetOf);
    expect(init).toEqual({
      path: 'model.codebookInit',
      values: [undefined, 'uniform', 'kmeans'],
      unset: ['uniform', undefined, undefined],
      differs: true,
    });
    expect(clip?.unset).toEqual(['off', 'off', undefined]);
    // The first two alone: unset and 'uniform' are the same start.
    expect(configTable(rows.slice(0, 2), ['model.codebookInit'], false, unsetOf)[0]?.differs).toBe(false);
    // Without a schema's word, unset is unset.
    expect(configTable(rows.slice(0, 2), ['model.codebookInit'], false)[0]?.differs).toBe(true);
    // Values differ as they are, not as they are rounded for show.
    const rates = [row(4, { 'training.learningRate': 1.234e-4 }), row(5, { 'training.learningRate': 1.2345e-4 })];
    expect(configTable(rates, ['training.learningRate'], false, unsetOf)[0]?.differs).toBe(true);
  });
});

describe('a loss defined differently from run to run', () => {
  const info = (id: 'vae' | 'autoencoder' | 'vq-vae') => ({
    id,
    label: familySpecs[id].label,
    lossUnit: familySpecs[id].lossUnit,
    metrics: [],
    modelSchema: z.toJSONSchema(familySpecs[id].modelSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  });
  const families = [info('vae'), info('autoencoder'), info('vq-vae')];
  const vae = (beta: number, loss = 'bce') => ({
    family: 'vae',
    config: { 'model.beta': beta, 'model.latentSize': 10, 'training.loss': loss, 'training.learningRate': 0.001 },
  });

  it('is named where the runs differ in β or in the reconstruction loss, and only for the loss', () => {
    expect(mixedScale('test.loss', [vae(1), vae(4)], families)).toBe(
      'the loss is defined by β (KL weight), which differs between these runs (a lower loss need not be a better model)',
    );
    expect(mixedScale('train.loss', [vae(1), vae(4, 'mse')], families)).toBe(
      'the loss is defined by Reconstruction loss and β (KL weight), which differ between these runs (a lower loss need not be a better model)',
    );
    // The −ELBO weighs the KL alike in every run; the same β, or another field varied, leaves the loss alike.
    expect(mixedScale('test.neg_elbo', [vae(1), vae(4)], families)).toBeNull();
    expect(mixedScale('test.loss', [vae(4), vae(4)], families)).toBeNull();
    expect(
      mixedScale('test.loss', [vae(4), { ...vae(4), config: { ...vae(4).config, 'training.learningRate': 0.01 } }], families),
    ).toBeNull();
  });

  it('reads the held-out split’s loss too, and a field one run sets and another leaves out (capacity C)', () => {
    expect(mixedScale('val.loss', [vae(1), vae(4)], families)).toMatch(/^the loss is defined by β/);
    const capped = { ...vae(1), config: { ...vae(1).config, 'model.capacityMaxNats': 25 } };
    expect(mixedScale('test.loss', [vae(1), capped], families)).toMatch(/^the loss is defined by Capacity C max/);
    // A field the other run's family does not have (an AE has no β) is no difference.
    const ae = { family: 'autoencoder', config: { 'training.loss': 'bce' } };
    expect(mixedScale('test.loss', [vae(1), ae], families)).toBeNull();
  });

  it('is named where VQ-VAEs differ in how their codebook learns: the EMA one’s loss has no codebook term', () => {
    const vq = (update: 'loss' | 'ema') => ({
      family: 'vq-vae',
      config: { 'model.codebookUpdate': update, 'training.loss': 'mse' },
    });
    expect(mixedScale('test.loss', [vq('loss'), vq('ema')], families)).toBe(
      'the loss is defined by Codebook update, which differs between these runs (a lower loss need not be a better model)',
    );
    expect(mixedScale('test.mse', [vq('loss'), vq('ema')], families)).toBeNull();
  });

  it('comes after mixed units, which already say the figures are unlike', () => {
    const ae = { family: 'autoencoder', config: { 'training.loss': 'mse' } };
    expect(unlikeFigures('test.loss', [vae(1), ae], families)).toMatch(/^mixed units: /);
    expect(unlikeFigures('test.loss', [vae(1), vae(2)], families)).toMatch(/^the loss is defined by β/);
    expect(unlikeFigures('test.loss', [vae(2), vae(2)], families)).toBeNull();
  });
});

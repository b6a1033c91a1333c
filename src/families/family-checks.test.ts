import { describe, expect, it } from 'vitest';
import type { DatasetLookup, RunConfig } from '../shared/config';
import { checkRunConfig, defaultRunConfig, parseRunConfig, trainingObjective, untrainedDecoder } from './run-config';

const mnist: DatasetLookup = (name) =>
  name === 'mnist'
    ? { name, height: 28, width: 28, channels: 1, trainCount: 60000, testCount: 10000, classes: 10, available: true, hint: null }
    : undefined;

/** A family's default config with model and training fields changed. */
function configOf(family: string, model: object, training: Partial<RunConfig['training']> = {}): RunConfig {
  const c = defaultRunConfig(family);
  return { ...c, model: { ...c.model, ...model }, training: { ...c.training, ...training } } as RunConfig;
}

describe("a run's objective, as its run page names its loss", () => {
  it('is its model’s where its settings change the terms: a VQ-VAE whose codebook learns by EMA has no codebook loss', () => {
    expect(trainingObjective(configOf('vq-vae', {}))).toBe('rec + codebook + β·commit');
    expect(trainingObjective(configOf('vq-vae', { codebookUpdate: 'ema', emaDecay: 0.99 }))).toBe(
      'rec + β·commit (codebook by EMA)',
    );
    expect(trainingObjective(configOf('vae', {}))).toBe('rec + β·KL');
    expect(trainingObjective(configOf('autoencoder', {}))).toBeUndefined();
  });
});

describe("a family's own checks, before anything trains", () => {
  it('refuses an IWAE trained with Smooth L1: its bound needs a likelihood, which failed at the first step', () => {
    expect(checkRunConfig(configOf('iwae', {}, { loss: 'smoothL1' }), mnist)).toEqual([
      {
        path: 'training.loss',
        message:
          "IWAE's bound needs a likelihood p(x|z): bce (Bernoulli), mse (Gaussian) or mae (Laplace); Smooth L1 implies none",
      },
    ]);
    expect(checkRunConfig(configOf('iwae', {}, { loss: 'mae' }), mnist)).toEqual([]);
  });

  it('refuses the capacity form without γ in a CVAE as in a VAE (it trained with γ = 1)', () => {
    for (const family of ['vae', 'cvae'])
      expect(checkRunConfig(configOf(family, { capacityMaxNats: 25 }), mnist), family).toEqual([
        { path: 'model.capacityGamma', message: 'the capacity form needs γ (capacityGamma) when C max is set' },
      ]);
    expect(checkRunConfig(configOf('cvae', { capacityMaxNats: 25, capacityGamma: 1000 }), mnist)).toEqual([]);
    // Its γ or ramp without C max (the loss is β·KL, which they never touched): refused too.
    expect(checkRunConfig(configOf('vae', { capacityGamma: 1000, capacityEpochs: 10 }), mnist)).toEqual([
      { path: 'model.capacityGamma', message: expect.stringMatching(/^capacityGamma is read by the capacity form alone/) },
      { path: 'model.capacityEpochs', message: expect.stringMatching(/^capacityEpochs is read by the capacity form alone/) },
    ]);
    // A run that trained so continues as it was.
    expect(checkRunConfig(configOf('vae', { capacityGamma: 1000 }), mnist, undefined, true)).toEqual([]);
  });

  it('refuses DEC with more clusters than images that train (its k-means failed after the whole pretraining)', () => {
    const dec = (model: object, dataset: object) => ({
      ...configOf('deep-clustering', model),
      dataset: { name: 'mnist', ...dataset },
    });
    expect(checkRunConfig(dec({ clusters: 20 }, { trainSubset: 10 }), mnist)).toContainEqual({
      path: 'model.clusters',
      message: '20 clusters need at least 20 training images for k-means to start from, and the run trains on 10',
    });
    // The images that train: those left once the validation split is held out (2 of 12 here).
    expect(checkRunConfig(dec({ clusters: 11 }, { trainSubset: 12, validationFraction: 0.2 }), mnist)).toContainEqual({
      path: 'model.clusters',
      message: expect.stringMatching(/^11 clusters need .* and the run trains on 10$/),
    });
    expect(checkRunConfig(dec({ clusters: 10 }, { trainSubset: 10 }), mnist).map((i) => i.path)).not.toContain('model.clusters');
  });

  it('refuses a VQ-VAE codebook of one code (it failed at the first step)', () => {
    expect(parseRunConfig(configOf('vq-vae', { codebookSize: 1 }), mnist)).toEqual({
      ok: false,
      issues: [{ path: 'model.codebookSize', message: expect.stringMatching(/at least 2/) }],
    });
    expect(parseRunConfig(configOf('vq-vae', { codebookSize: 2 }), mnist).ok).toBe(true);
  });

  it("refuses an AAE's mixture prior on a 1-D code (it trained against N(0, 1))", () => {
    expect(checkRunConfig(configOf('aae', { prior: 'mixture', latentSize: 1 }), mnist)).toEqual([
      { path: 'model.prior', message: 'the mixture prior lies on a circle in two dimensions: it needs latentSize 2 or more' },
    ]);
    expect(checkRunConfig(configOf('aae', { prior: 'mixture', latentSize: 2 }), mnist)).toEqual([]);
  });
});

describe('a model whose reconstructions are no measure of it', () => {
  it('is DEC, which drops its decoder once clustering starts; not IDEC, nor a family that trains its decoder', () => {
    expect(untrainedDecoder(configOf('deep-clustering', { variant: 'dec' }))).toMatch(/^DEC drops its decoder/);
    expect(untrainedDecoder(configOf('deep-clustering', { variant: 'idec' }))).toBeUndefined();
    expect(untrainedDecoder(defaultRunConfig('vae'))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { DatasetLookup } from '../shared/config';
import { checkRunConfig, defaultRunConfig } from './run-config';

const mnist: DatasetLookup = (name) =>
  name === 'mnist'
    ? { name, height: 28, width: 28, channels: 1, trainCount: 60000, testCount: 10000, classes: 10, available: true, hint: null }
    : undefined;

describe('a rule that reads a test metric', () => {
  it('is refused on a metric the run will not report under its loss, naming the rule’s field', () => {
    const config = defaultRunConfig('vae');
    config.training = {
      ...config.training,
      loss: 'smoothL1',
      earlyStopping: { metric: 'neg_elbo', mode: 'min', patience: 3, minDelta: 0 },
      schedule: { kind: 'plateau', metric: 'neg_elbo' },
      checkpoints: { keepBest: { metric: 'neg_elbo', mode: 'min' } },
    };
    const message = 'test neg_elbo is not reported for runs trained with smoothL1 (only with bce, mse, mae)';
    expect(checkRunConfig(config, mnist)).toEqual([
      { path: 'training.earlyStopping.metric', message },
      { path: 'training.schedule.metric', message },
      { path: 'training.checkpoints.keepBest.metric', message },
    ]);
    // The same rules on a run with a likelihood, or on a metric every run reports: accepted.
    expect(checkRunConfig({ ...config, training: { ...config.training, loss: 'mse' } }, mnist)).toEqual([]);
    const onLoss = { ...config.training, earlyStopping: { metric: 'loss', mode: 'min' as const, patience: 3, minDelta: 0 } };
    expect(checkRunConfig({ ...config, training: onLoss }, mnist).map((i) => i.path)).not.toContain(
      'training.earlyStopping.metric',
    );
  });
});

describe('a rule on a metric no run of the family reports', () => {
  it('is refused before the run starts, naming the rule’s field and the metrics there are', () => {
    const config = defaultRunConfig('autoencoder');
    config.training = {
      ...config.training,
      earlyStopping: { metric: 'val_loss', mode: 'min', patience: 3, minDelta: 0 },
      schedule: { kind: 'plateau', metric: 'neg_elbo' },
      checkpoints: { keepBest: { metric: 'acc', mode: 'max' } },
    };
    const choose = 'choose one of loss, reconstruction, mse';
    expect(checkRunConfig(config, mnist)).toEqual([
      { path: 'training.earlyStopping.metric', message: `val_loss is not a metric this autoencoder run reports: ${choose}` },
      { path: 'training.schedule.metric', message: `neg_elbo is not a metric this autoencoder run reports: ${choose}` },
      { path: 'training.checkpoints.keepBest.metric', message: `acc is not a metric this autoencoder run reports: ${choose}` },
    ]);
    // A VAE reports its −ELBO, its KL and the KL of each dimension: rules may read them.
    const vae = defaultRunConfig('vae');
    vae.training = {
      ...vae.training,
      earlyStopping: { metric: 'kl_dim_3', mode: 'min', patience: 3, minDelta: 0 },
      schedule: { kind: 'plateau', metric: 'neg_elbo' },
      checkpoints: { keepBest: { metric: 'kl', mode: 'min' } },
    };
    expect(checkRunConfig(vae, mnist)).toEqual([]);
    // Each name once (the VAE declares its reconstruction too), and no figure measured after the last epoch.
    vae.training.earlyStopping = { metric: 'nope', mode: 'min', patience: 3, minDelta: 0 };
    expect(checkRunConfig(vae, mnist)[0]?.message.match(/reconstruction/g)).toHaveLength(1);
    const stacked = defaultRunConfig('stacked-ae');
    stacked.training = {
      ...stacked.training,
      earlyStopping: { metric: 'accuracy_pretrained', mode: 'max', patience: 3, minDelta: 0 },
    };
    expect(checkRunConfig(stacked, mnist)[0]?.message).toMatch(
      /^accuracy_pretrained is not a metric this stacked-ae run reports/,
    );
    vae.training.earlyStopping = { metric: 'kl_dim_x', mode: 'min', patience: 3, minDelta: 0 };
    expect(checkRunConfig(vae, mnist)[0]?.message).toMatch(
      /^kl_dim_x is not a metric this vae run reports: .*, kl_dim_0 … kl_dim_19$/,
    );
  });

  it('is refused on what this model does not report: a dimension past its code, a figure of a setting it lacks', () => {
    const rule = (config: ReturnType<typeof defaultRunConfig>, metric: string) => {
      config.training = { ...config.training, earlyStopping: { metric, mode: 'min', patience: 3, minDelta: 0 } };
      return checkRunConfig(config, mnist).map((i) => i.message);
    };
    // The default VAE has a 20-d code: kl_dim_19 is its last.
    expect(rule(defaultRunConfig('vae'), 'kl_dim_19')).toEqual([]);
    expect(rule(defaultRunConfig('vae'), 'kl_dim_20')).toEqual([
      expect.stringMatching(/^kl_dim_20 is not a metric this vae run reports: .* kl_dim_0 … kl_dim_19$/),
    ]);
    // The β so far is reported during a KL warm-up alone.
    const warm = defaultRunConfig('vae');
    warm.model = { ...warm.model, klWarmupEpochs: 5 };
    expect(rule(warm, 'kl_weight')).toEqual([]);
    expect(rule(defaultRunConfig('vae'), 'kl_weight')).toEqual([expect.stringMatching(/^kl_weight is not a metric/)]);
    expect(rule(defaultRunConfig('beta-tc-vae'), 'kl_weight')).toEqual([expect.stringMatching(/^kl_weight is not/)]);
    // The AAE's KL per dimension is against N(0, I): none with the mixture prior.
    const mixture = defaultRunConfig('aae');
    mixture.model = { ...mixture.model, prior: 'mixture', latentSize: 2 };
    expect(rule(mixture, 'kl_dim_0')).toEqual([expect.stringMatching(/^kl_dim_0 is not a metric this aae run reports/)]);
    expect(rule(defaultRunConfig('aae'), 'kl_dim_0')).toEqual([]);
  });
});

describe("a rule that reads a family's test-only figure", () => {
  it('is taken without a validation split, and refused with one (the rules read it, the figure is the test split’s)', () => {
    const config = defaultRunConfig('deep-clustering');
    config.training = {
      ...config.training,
      earlyStopping: { metric: 'cluster_acc', mode: 'max', patience: 3, minDelta: 0 },
      checkpoints: { keepBest: { metric: 'cluster_nmi', mode: 'max' } },
    };
    expect(checkRunConfig(config, mnist)).toEqual([]);
    const held = { ...config, dataset: { ...config.dataset, validationFraction: 0.1 } };
    const message = (name: string) =>
      `${name} is measured on the test split alone, and with dataset.validationFraction set the rules read the validation split: choose a metric it reports (loss, mse…) or hold no validation split out`;
    expect(checkRunConfig(held, mnist)).toEqual([
      { path: 'training.earlyStopping.metric', message: message('cluster_acc') },
      { path: 'training.checkpoints.keepBest.metric', message: message('cluster_nmi') },
    ]);
    // Its loss parts are measured on the validation split too.
    const onClustering = {
      ...held.training,
      earlyStopping: { metric: 'clustering', mode: 'min' as const, patience: 3, minDelta: 0 },
    };
    expect(checkRunConfig({ ...held, training: { ...onClustering, checkpoints: {} } }, mnist)).toEqual([]);
  });
});

describe('a rule that reads a figure the data set cannot give', () => {
  const set = (name: string, twin?: string) => ({
    name,
    ...{ height: 28, width: 28, channels: 1, trainCount: 600, testCount: 100, classes: 0, available: true, hint: null },
    ...(twin ? { twin } : {}),
  });
  const sets: Record<string, ReturnType<DatasetLookup>> = {
    noise: set('noise'),
    'faces-a': set('faces-a', 'faces-b'),
    'faces-b': set('faces-b', 'faces-a'),
  };
  const lookup: DatasetLookup = (name) => sets[name] ?? mnist(name);
  const stopOn = (metric: string) => ({ earlyStopping: { metric, mode: 'max' as const, patience: 3, minDelta: 0 } });

  it("refuses DEC's accuracy on an unlabelled set (no value at any epoch, found after pretraining)", () => {
    const config = defaultRunConfig('deep-clustering');
    const unlabelled = { ...config, model: { ...config.model, clusters: 10 }, dataset: { name: 'noise' } } as typeof config;
    unlabelled.training = { ...config.training, batchSize: 64, ...stopOn('cluster_acc') };
    expect(checkRunConfig(unlabelled, lookup)).toEqual([
      {
        path: 'training.earlyStopping.metric',
        message: "cluster_acc needs the data set's labels, and noise has none: the rule would find no value",
      },
    ]);
  });

  it("refuses the deepfake's swap error where the two identities are no twin pair, and takes it on one", () => {
    const config = defaultRunConfig('deepfake');
    config.training = { ...config.training, ...stopOn('swap_mse') };
    expect(checkRunConfig(config, lookup)).toEqual([
      {
        path: 'training.earlyStopping.metric',
        message:
          "swap_mse is measured on a twin pair of sets (dataset.second naming mnist's twin), which this run does not train on",
      },
    ]);
    const twins = { ...config, dataset: { name: 'faces-a', second: 'faces-b' } };
    expect(checkRunConfig(twins, lookup)).toEqual([]);
  });
});

describe('a schedule of a new run', () => {
  it('is refused with a setting its kind does not read, or a warm-up as long as the run, naming the field', () => {
    const config = defaultRunConfig('autoencoder');
    config.training = { ...config.training, epochs: 4, schedule: { kind: 'cosine', warmupEpochs: 1, gamma: 0.5, stepEpochs: 2 } };
    expect(checkRunConfig(config, mnist)).toEqual([
      { path: 'training.schedule.stepEpochs', message: 'the cosine schedule does not read stepEpochs (step does): remove it' },
      {
        path: 'training.schedule.gamma',
        message: 'the cosine schedule does not read gamma (step and exponential do): remove it',
      },
    ]);
    // A run that continues trained so: its schedule goes on as it was.
    expect(checkRunConfig(config, mnist, undefined, true)).toEqual([]);
    config.training.schedule = { kind: 'cosine', warmupEpochs: 4, minLearningRate: 1e-5 };
    expect(checkRunConfig(config, mnist)).toEqual([
      {
        path: 'training.schedule.warmupEpochs',
        message:
          'a warm-up of 4 epochs is as long as the run (4 epochs): the rate would never reach training.learningRate; make it shorter',
      },
    ]);
    config.training.schedule.warmupEpochs = 3.5;
    expect(checkRunConfig(config, mnist)).toEqual([]);
    // A phased family's pretraining is part of the run the schedule spans.
    const dec = defaultRunConfig('deep-clustering');
    if (dec.family !== 'deep-clustering') throw new Error('unreachable');
    dec.model = { ...dec.model, pretrainEpochs: 3 };
    dec.training = { ...dec.training, epochs: 2, schedule: { kind: 'step', warmupEpochs: 4, stepEpochs: 1 } };
    expect(checkRunConfig(dec, mnist)).toEqual([]);
    dec.training.schedule = { kind: 'step', warmupEpochs: 5 };
    expect(checkRunConfig(dec, mnist)[0]?.message).toMatch(
      /^a warm-up of 5 epochs is as long as the run \(5 epochs, 3 of them pretraining\)/,
    );
  });

  it('is refused with a floor above the learning rate (the schedule would raise the rate), taken at it', () => {
    const config = defaultRunConfig('autoencoder');
    config.training = { ...config.training, learningRate: 0.001, schedule: { kind: 'cosine', minLearningRate: 10 } };
    expect(checkRunConfig(config, mnist)).toEqual([
      {
        path: 'training.schedule.minLearningRate',
        message: `the minimum rate 10 is above training.learningRate 0.001: the cosine schedule would raise the rate to it; make it lower`,
      },
    ]);
    config.training.schedule = { kind: 'cosine', minLearningRate: 0.001 };
    expect(checkRunConfig(config, mnist)).toEqual([]);
    // The plateau never raises the rate (as torch's): its floor above the rate leaves the rate as it is.
    config.training.schedule = { kind: 'plateau', minLearningRate: 10 };
    expect(checkRunConfig(config, mnist)).toEqual([]);
  });
});

describe('weight decay', () => {
  it('is refused with a weight decay that zeroes or flips the weights at its learning rate (rate × decay ≥ 1)', () => {
    const config = defaultRunConfig('autoencoder');
    config.training = { ...config.training, learningRate: 2, weightDecay: 0.5 };
    expect(checkRunConfig(config, mnist)).toEqual([
      {
        path: 'training.weightDecay',
        message:
          'with training.learningRate 2, a decay of 0.5 multiplies every weight it decays by 1 − 2 × 0.5 = 0 each step, which zeroes or flips them: make rate × decay well below 1',
      },
    ]);
    config.training = { ...config.training, learningRate: 0.001, weightDecay: 0.5 };
    expect(checkRunConfig(config, mnist)).toEqual([]);
  });
});

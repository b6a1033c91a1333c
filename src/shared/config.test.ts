import { describe, expect, it } from 'vitest';
import { describeIssues, type DatasetFacts } from './config';
import { defaultRunConfig, parseRunConfig as parse } from '../families/run-config';

/** The data sets every install has, as the core's catalog describes them. */
const set = (name: string, [height, width, channels]: number[], trainCount: number, testCount: number, classes: number) =>
  ({ name, height, width, channels, trainCount, testCount, classes, available: true, hint: null }) as DatasetFacts;
const facts: Record<string, DatasetFacts> = {
  mnist: set('mnist', [28, 28, 1], 60000, 10000, 10),
  'faces-a': set('faces-a', [64, 64, 3], 3600, 400, 0),
  'fashion-mnist': {
    ...set('fashion-mnist', [28, 28, 1], 60000, 10000, 10),
    available: false,
    hint: 'not installed: apt-get install dataset-fashion-mnist',
  },
};
const parseRunConfig = (input: unknown) => parse(input, (name) => facts[name]);

function refusal(mutate: (c: Record<string, any>) => void): string {
  const c = structuredClone(defaultRunConfig()) as Record<string, any>;
  mutate(c);
  const r = parseRunConfig(c);
  if (r.ok) throw new Error('config was accepted');
  return describeIssues(r.issues);
}

describe('RunConfig', () => {
  it('accepts the default config', () => {
    expect(parseRunConfig(defaultRunConfig()).ok).toBe(true);
  });

  it('checks the model against the chosen data set: a dense stack fits any image, a 28x28 reshape only MNIST', () => {
    const c = structuredClone(defaultRunConfig()) as Record<string, any>;
    c.dataset = { name: 'faces-a' };
    expect(parseRunConfig(c).ok).toBe(true);
    c.model.decoder = [
      { type: 'dense', units: 784, activation: 'relu' },
      { type: 'reshape', shape: [28, 28, 1] },
    ];
    const onFaces = parseRunConfig(c);
    expect(onFaces.ok ? 'accepted' : describeIssues(onFaces.issues)).toMatch(/model\.decoder/);
    c.dataset = { name: 'mnist' };
    expect(parseRunConfig(c).ok).toBe(true);
  });

  it.each([
    ['a negative beta', 'vae', (c: Record<string, any>): void => void (c.model.beta = -1), 'model.beta'],
    ['a negative lambda', 'sparse-ae', (c: Record<string, any>): void => void (c.model.lambda = -0.1), 'model.lambda'],
    ['a codebook of 0', 'vq-vae', (c: Record<string, any>): void => void (c.model.codebookSize = 0), 'model.codebookSize'],
    [
      'a deepfake without its second data set',
      'deepfake',
      (c: Record<string, any>): void => void delete c.dataset.classes,
      'dataset.classes',
    ],
    ['a CVAE on one class', 'cvae', (c: Record<string, any>): void => void (c.dataset.classes = [3]), 'dataset.classes'],
    ['one cluster', 'deep-clustering', (c: Record<string, any>): void => void (c.model.clusters = 1), 'model.clusters'],
  ] as const)('refuses %s in family %s, naming the field', (_what, family, mutate, field) => {
    const c = structuredClone(defaultRunConfig(family)) as Record<string, any>;
    mutate(c);
    const r = parseRunConfig(c);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(field);
  });

  it.each([
    ['latent size 0', (c: Record<string, any>) => (c.model.latentSize = 0), 'model.latentSize'],
    ['an unknown loss', (c: Record<string, any>) => (c.training.loss = 'hinge'), 'training.loss'],
    ['negative epochs', (c: Record<string, any>) => (c.training.epochs = -3), 'training.epochs'],
    ['a missing field', (c: Record<string, any>) => delete c.training.batchSize, 'training.batchSize'],
    ['a missing section', (c: Record<string, any>) => delete c.dataset, 'dataset'],
    ['a zero-unit dense layer', (c: Record<string, any>) => (c.model.encoder[1].units = 0), 'model.encoder[1].units'],
    [
      'an unknown layer type',
      (c: Record<string, any>) => c.model.decoder.push({ type: 'lstm', units: 3 }),
      'model.decoder[2].type',
    ],
    [
      'mismatched shapes (conv on a flat input)',
      (c: Record<string, any>) => c.model.decoder.push({ type: 'conv', filters: 8, kernel: 3, stride: 1, activation: 'relu' }),
      'model.decoder[2]',
    ],
    [
      'a reshape of the wrong size',
      (c: Record<string, any>) =>
        (c.model.decoder = [
          { type: 'dense', units: 100, activation: 'relu' },
          { type: 'reshape', shape: [7, 7, 2] },
        ]),
      'model.decoder[1]',
    ],
    ['an unknown field', (c: Record<string, any>) => (c.training.momentum = 0.9), 'training'],
    ['an unknown family', (c: Record<string, any>) => (c.family = 'gan'), 'family'],
    ['a string for a number', (c: Record<string, any>) => (c.training.learningRate = 'fast'), 'training.learningRate'],
    [
      'BCE with a tanh output',
      (c: Record<string, any>) => ((c.training.loss = 'bce'), (c.model.outputActivation = 'tanh')),
      'model.outputActivation',
    ],
    ['an unknown data set', (c: Record<string, any>) => (c.dataset.name = 'cifar'), 'dataset.name'],
    ['a data set that is not installed', (c: Record<string, any>) => (c.dataset.name = 'fashion-mnist'), 'dataset.name'],
    ['a bad data set name', (c: Record<string, any>) => (c.dataset.name = 'My Cats'), 'dataset.name'],
    ['a subset larger than the split', (c: Record<string, any>) => (c.dataset.testSubset = 10001), 'dataset.testSubset'],
    ['a class the set does not have', (c: Record<string, any>) => (c.dataset.classes = [3, 12]), 'dataset.classes'],
    [
      'a second set of another image size',
      (c: Record<string, any>) => ((c.dataset.second = 'faces-a'), delete c.dataset.classes),
      'dataset.second',
    ],
  ])('refuses %s, naming the field', (_what, mutate, field) => {
    expect(refusal(mutate)).toMatch(new RegExp(`(^|; )${field.replace(/[[\].]/g, '\\$&')}[:\\]. ]`));
  });
});

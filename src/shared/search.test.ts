import { describe, expect, it } from 'vitest';
import { matchesSearch, parseSearch, type Searchable } from './search';

const run = (over: Partial<Searchable> = {}): Searchable => ({
  name: 'vae β sweep 3',
  family: 'vae',
  experiment: 'beta-study',
  status: 'completed',
  tags: ['baseline'],
  notes: 'Blurry digits.\nTry a larger latent.',
  starred: false,
  config: { 'model.beta': 4, 'model.latentDim': 10, 'dataset.name': 'mnist', 'model.encoder': [400, 200] },
  ...over,
});
const finds = (query: string, item = run()) => matchesSearch(parseSearch(query), item);

describe('search', () => {
  it('matches words in the name, tags, notes, family and experiment, in any case', () => {
    expect(finds('SWEEP')).toBe(true);
    expect(finds('baseline')).toBe(true);
    expect(finds('larger latent')).toBe(true);
    expect(finds('"larger latent"')).toBe(true);
    expect(finds('"latent larger"')).toBe(false);
    expect(finds('beta-study')).toBe(true);
    expect(finds('conv')).toBe(false);
  });

  it('matches a config value by path, numbers as numbers, and a path by its last part', () => {
    expect(finds('model.beta=4')).toBe(true);
    expect(finds('model.beta=4.0')).toBe(true);
    expect(finds('model.beta=0.4')).toBe(false);
    expect(finds('beta=4')).toBe(true);
    expect(finds('model.beta>=4 model.beta<5')).toBe(true);
    expect(finds('model.beta>4')).toBe(false);
    expect(finds('model.beta!=4')).toBe(false);
    expect(finds('dataset.name=MNIST')).toBe(true);
    expect(finds('model.encoder=400,200')).toBe(true);
    expect(finds('model.encoder=[400, 200]')).toBe(false); // a space splits words: quote it
    expect(finds('"model.encoder=[400, 200]"')).toBe(true);
    expect(finds('model.missing=1')).toBe(false);
    expect(finds('model.beta=4', run({ config: undefined }))).toBe(false);
  });

  it('matches tags exactly, stars and statuses', () => {
    expect(finds('tag:baseline')).toBe(true);
    expect(finds('tag:base')).toBe(false);
    expect(finds('is:starred')).toBe(false);
    expect(finds('is:starred', run({ starred: true }))).toBe(true);
    expect(finds('status:completed')).toBe(true);
    expect(finds('status:failed')).toBe(false);
  });

  it('needs every word to match; an empty query matches everything', () => {
    expect(finds('baseline beta=4')).toBe(true);
    expect(finds('baseline beta=8')).toBe(false);
    expect(finds('   ')).toBe(true);
  });
});

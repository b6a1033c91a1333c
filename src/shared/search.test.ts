import { describe, expect, it } from 'vitest';
import { matchesSearch, noMatchText, parseSearch, searchHints, type Searchable } from './search';

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

  it('says why a query may match nothing: a comparison without its field, a field no run has', () => {
    expect(searchHints('beta>=4 <=8', [run()])).toEqual(['“<=8” compares nothing: write the field before it, as beta<=8']);
    expect(searchHints('>=', [run()])).toEqual(['“>=” compares nothing: write the field before it, as beta>=4']);
    // A path, or any of its last parts, is a field; a near miss is named.
    expect(searchHints('model.beta=4 beta=4 latentDim=10 model.latentDim=10 dataset.name=mnist', [run()])).toEqual([]);
    expect(searchHints('latentdim=10 lr=0.1', [run()])).toEqual([
      'no run has a config field “latentdim” (did you mean latentDim?)',
      'no run has a config field “lr”',
    ]);
    // A field any item has is no hint, though another lacks it.
    expect(searchHints('beta=4', [run({ config: {} }), run()])).toEqual([]);
    expect(searchHints('baseline beta', [run()])).toEqual([]);
    expect(noMatchText('lr=0.1', 3, searchHints('lr=0.1', [run()]))).toBe(
      'No run of 3 matches “lr=0.1”. No run has a config field “lr”. Search names, tags, notes and families, or a config value as path=value (model.beta=4).',
    );
  });
});

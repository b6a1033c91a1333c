import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from './suggest';

describe('did you mean', () => {
  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('train', 'trian')).toBe(1);
    expect(editDistance('epoch', 'epochs')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('offers the closest name within a third of what was typed, and nothing for what is far from all', () => {
    expect(closestName('trian', ['train', 'resume', 'runs'])).toBe('train');
    expect(closestName('deep-ae-mnst', ['deep-ae-mnist', 'deep-ae-fashion'])).toBe('deep-ae-mnist');
    expect(closestName('xyz', ['train', 'runs'])).toBeUndefined();
    expect(didYouMean('epoch', ['epochs', 'subset', 'seed'])).toBe(' (did you mean epochs?)');
    expect(didYouMean('banana', ['epochs'])).toBe('');
  });
});

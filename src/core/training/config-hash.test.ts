import { describe, expect, it } from 'vitest';
import { defaultRunConfig } from '../../families/run-config';
import { configHash } from './config-hash';

describe('configHash', () => {
  it('hashes configs independent of key order and labels', () => {
    const a = defaultRunConfig();
    const reverse = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const reordered = { ...reverse({ ...a, training: reverse(a.training) }), name: 'renamed' };
    expect(Object.keys(reordered)).not.toEqual(Object.keys(a));
    expect(configHash(reordered)).toBe(configHash(a));
    expect(configHash({ ...a, training: { ...a.training, seed: 2 } })).not.toBe(configHash(a));
  });
});

import { describe, expect, it } from 'vitest';
import { KeptPerRun, runKey } from './kept-per-run';

describe('what a view keeps per run', () => {
  it('gives back what was kept for the run, and nothing for a later run under the same id', () => {
    const kept = new KeptPerRun<string[]>(3);
    kept.set(runKey(7, '2026-12-01T10:00:00Z'), ['strip']);
    expect(kept.get(runKey(7, '2026-12-01T10:00:00Z'))).toEqual(['strip']);
    expect(kept.get(runKey(7, '2026-12-08T09:00:00Z'))).toBeUndefined();
  });

  it('keeps the runs most recently kept, and forgets a run kept empty', () => {
    const kept = new KeptPerRun<string[]>(2);
    kept.set('a', ['1']);
    kept.set('b', ['2']);
    kept.set('a', ['1', '1']);
    kept.set('c', ['3']);
    expect([kept.get('a'), kept.get('b'), kept.get('c')]).toEqual([['1', '1'], undefined, ['3']]);
    kept.set('a', []);
    expect(kept.get('a')).toBeUndefined();
    expect(kept.get('c')).toEqual(['3']);
  });
});

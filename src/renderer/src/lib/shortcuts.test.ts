import { describe, expect, it } from 'vitest';
import { filterEntries, paletteEntries } from './palette-entries';
import { shortcutOf } from './shortcuts';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('keyboard', () => {
  it('opens the palette with Ctrl+K or Cmd+K, even while typing', () => {
    expect(shortcutOf(key('k', { ctrlKey: true }), false)).toBe('palette');
    expect(shortcutOf(key('K', { metaKey: true }), true)).toBe('palette');
    expect(shortcutOf(key('Escape'), true)).toBe('escape');
  });
  it('keeps single keys out of text fields', () => {
    expect(shortcutOf(key('n'), false)).toBe('new-run');
    // On a checkbox of a form: "n" would throw the form away, while "?" and "/" still act.
    expect(shortcutOf(key('n'), false, true)).toBeNull();
    expect(shortcutOf(key('?'), false, true)).toBe('help');
    expect(shortcutOf(key('/'), false, true)).toBe('search');
    expect(shortcutOf(key('?'), false)).toBe('help');
    expect(shortcutOf(key('/'), false)).toBe('search');
    expect(shortcutOf(key('n'), true)).toBeNull();
    expect(shortcutOf(key('n', { ctrlKey: true }), false)).toBeNull();
    expect(shortcutOf(key('x'), false)).toBeNull();
  });
});

const run = (id: number, name: string, tags: string[] = []) =>
  ({ id, name, family: 'vae', status: 'completed', tags, starred: false }) as Parameters<
    typeof paletteEntries
  >[0]['runs'][number];

describe('command palette', () => {
  const context = {
    view: { kind: 'run' as const, runId: 12 },
    runs: [run(12, 'beta four', ['baseline']), run(3, 'plain ae')],
    sweeps: [],
    datasets: [],
    compareSelection: [3, 12],
  };
  it('offers to compare the selected runs and to clone the run shown', () => {
    const labels = paletteEntries(context).map((e) => e.label);
    expect(labels).toContain('Compare the selected runs (2)');
    expect(labels).toContain('Clone this run: beta four');
    const clone = paletteEntries(context).find((e) => e.key === 'clone');
    expect(clone?.go).toEqual({ view: { kind: 'new', from: 12 } });
    expect(paletteEntries({ ...context, view: { kind: 'new' }, compareSelection: [] }).map((e) => e.key)).not.toContain('clone');
  });
  it('finds a run by words of its name, its tags or its id', () => {
    const entries = paletteEntries(context);
    expect(filterEntries(entries, 'plain').map((e) => e.key)).toEqual(['run-3']);
    expect(filterEntries(entries, 'baseline').map((e) => e.key)).toEqual(['run-12']);
    expect(filterEntries(entries, '#3')[0]?.key).toBe('run-3');
    expect(filterEntries(entries, 'nothing like this')).toEqual([]);
  });
});

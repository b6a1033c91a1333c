import { describe, expect, it } from 'vitest';
import { hashOf, viewOf, viewTitle } from './routes';
import type { View } from './studio.svelte';

describe('routes', () => {
  const views: [View, string][] = [
    [{ kind: 'new' }, '#/new'],
    [{ kind: 'new', from: 12 }, '#/new?from=12'],
    [{ kind: 'run', runId: 7 }, '#/runs/7'],
    [{ kind: 'explore', runId: 7 }, '#/runs/7/explore'],
    [{ kind: 'sweep-new' }, '#/sweeps/new'],
    [{ kind: 'runs', sweepId: 3 }, '#/sweeps/3'],
    [{ kind: 'runs' }, '#/table'],
    [{ kind: 'runs', experiment: 'β sweep / 2' }, '#/table?experiment=%CE%B2%20sweep%20%2F%202'],
    [{ kind: 'runs', q: 'tag:baseline model.beta=4' }, '#/table?q=tag%3Abaseline%20model.beta%3D4'],
    [{ kind: 'runs', experiment: 'e', q: 'vae' }, '#/table?experiment=e&q=vae'],
    [{ kind: 'runs', status: 'failed', family: 'vq-vae' }, '#/table?status=failed&family=vq-vae'],
    [{ kind: 'runs', sweepId: 3, q: 'beta>2' }, '#/sweeps/3?q=beta%3E2'],
    [{ kind: 'compare', runIds: [4, 9, 11] }, '#/compare?runs=4,9,11'],
    [
      { kind: 'compare', runIds: [4, 9], color: 'model.beta', group: 'except-seed' },
      '#/compare?runs=4,9&color=model.beta&group=except-seed',
    ],
    [{ kind: 'datasets' }, '#/datasets'],
    [{ kind: 'datasets', name: 'my set' }, '#/datasets/my%20set'],
  ];

  it.each(views)('%j is %s, and back', (view, hash) => {
    expect(hashOf(view)).toBe(hash);
    expect(viewOf(hash)).toEqual(view);
  });

  it('an empty address is the new-run form', () => {
    expect(viewOf('')).toEqual({ kind: 'new' });
    expect(viewOf('#/')).toEqual({ kind: 'new' });
  });

  it.each(['#/runs/x', '#/runs/1/nope', '#/sweeps', '#/compare?runs=1,,2', '#/nowhere', '#/runs/1e3', '#/new/extra'])(
    'refuses %s',
    (hash) => expect(viewOf(hash)).toBeNull(),
  );
});

describe('the window title', () => {
  it('names the view, and the run or sweep it shows by name', () => {
    const runs = [{ id: 7, name: 'β = 4 baseline' }];
    const sweeps = [{ id: 2, name: 'beta sweep' }];
    const title = (view: View) => viewTitle(view, runs, sweeps);
    expect(title({ kind: 'run', runId: 7 })).toBe('β = 4 baseline · Latent Studio');
    expect(title({ kind: 'run', runId: 8 })).toBe('run 8 · Latent Studio');
    expect(title({ kind: 'explore', runId: 7 })).toBe('Explore β = 4 baseline · Latent Studio');
    expect(title({ kind: 'runs', sweepId: 2 })).toBe('beta sweep · Latent Studio');
    expect(title({ kind: 'runs' })).toBe('All runs · Latent Studio');
    expect(title({ kind: 'compare', runIds: [7, 8] })).toBe('Compare 2 runs · Latent Studio');
    expect(title({ kind: 'new', from: 7 })).toBe('New run from β = 4 baseline · Latent Studio');
    expect(title({ kind: 'datasets', name: 'mnist' })).toBe('mnist · Latent Studio');
  });
});

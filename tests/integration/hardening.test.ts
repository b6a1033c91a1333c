import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npy } from '../../src/core/datasets/import-fixtures';
import { dispatch } from '../../src/core/dispatch';
import { insideRoot, PathEscapeError } from '../../src/core/paths';
import type { Studio } from '../../src/core/studio';
import { datasetNamePattern, type CommandName } from '../../src/shared/api';
import { mnistConfig, withTestStudio } from './helpers';

let studio: Studio;
withTestStudio((opened) => (studio = opened));

/** Names an attacker would try: parent folders, absolute paths, NUL bytes, encodings, and JavaScript's own keys. */
const hostileNames = [
  'a/../../outside',
  '../outside',
  'tiny/../../outside',
  '..',
  '.',
  '',
  '/tmp',
  'outside\u0000',
  '..%2foutside',
  '%2e%2e',
  'a\\..\\..\\outside',
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
];

describe('a bad file given to import', () => {
  it('is refused under the field that named it: the labels file under labelsPath, the images under path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latent-studio-import-fields-'));
    try {
      const images = join(dir, 'images.npy');
      const labels = join(dir, 'labels.npy');
      writeFileSync(images, npy('|u1', [4, 2, 2], new Uint8Array(16)));
      writeFileSync(labels, npy('|u1', [3], new Uint8Array(3)));
      const fields = async (input: { path: string; labelsPath?: string }) => {
        const result = await dispatch(studio.api, 'datasets.import', { ...input, name: 'fields' });
        if (result.ok) throw new Error('imported');
        return [result.error.code, result.error.issues?.map((i) => i.path), result.error.message];
      };
      expect(await fields({ path: images, labelsPath: labels })).toEqual([
        'bad_request',
        ['labelsPath'],
        expect.stringMatching(/^labels\.npy: /),
      ]);
      writeFileSync(images, 'not an array');
      expect(await fields({ path: images, labelsPath: labels })).toEqual([
        'bad_request',
        ['path'],
        expect.stringMatching(/^images\.npy: /),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no command reaches outside the studio folders, whatever name it is given', () => {
  it('refuses every hostile data set name, for every command that takes one, and touches nothing outside', async () => {
    await studio.api['datasets.generate']({ generator: 'shapes', seed: 3, count: 40, name: 'tiny' });
    const root = studio.datasets.store.root;
    // A set-shaped folder beside the database, as an attacker would plant it for `a/../../outside`.
    const outside = join(dirname(root), 'outside');
    cpSync(join(root, 'tiny'), outside, { recursive: true });
    const before = readdirSync(dirname(root)).sort();

    const withName = (name: string): [CommandName, unknown][] => [
      ['datasets.get', { name }],
      ['datasets.samples', { name, split: 'train', offset: 0, count: 4 }],
      ['datasets.delete', { name }],
      ['datasets.import', { path: outside, name }],
      ['datasets.generate', { generator: 'shapes', seed: 1, count: 10, name }],
      ['runs.start', { config: { ...mnistConfig(), dataset: { name } } }],
      ['runs.start', { config: { ...mnistConfig(), family: 'deepfake', dataset: { name: 'tiny', second: name } } }],
      ['presets.get', { name }],
    ];
    for (const name of hostileNames) {
      // `constructor` and the like are good folder names that name nothing yet: generating them would be fine.
      const commands = withName(name).filter(([c]) => !datasetNamePattern.test(name) || !/generate|import/.test(c));
      for (const [command, input] of commands) {
        const result = await dispatch(studio.api, command, input);
        const what = `${command} ${JSON.stringify(name)}`;
        // Deleting a well-formed name that names nothing is an honest no-op; everything else is refused.
        if (result.ok) expect([what, result.value]).toEqual([`datasets.delete ${JSON.stringify(name)}`, { deleted: false }]);
        else expect(['bad_request', 'not_found'], `${what}: ${result.error.message}`).toContain(result.error.code);
      }
    }
    expect(existsSync(join(outside, 'manifest.json'))).toBe(true);
    expect(readdirSync(dirname(root)).sort()).toEqual(before);
    expect((await studio.api['datasets.list']({})).map((d) => d.name)).not.toContain('outside');
    expect(await studio.api['runs.list']({})).toEqual([]);
  });

  it('resolves built paths under their root or refuses them', () => {
    expect(insideRoot('/data/studio', 'sets', 'mnist')).toBe('/data/studio/sets/mnist');
    for (const part of ['..', '../x', 'a/../../x', '/etc', 'x\u0000', '', '.']) {
      expect(() => insideRoot('/data/studio', part), part).toThrow(PathEscapeError);
    }
    expect(() => studio.datasets.store.dir('a/../../outside')).toThrow(PathEscapeError);
    expect(() => studio.datasets.store.dir('tiny..')).not.toThrow();
  });
});

describe('refused before a worker starts', () => {
  it('a model that would not fit in memory, and a batch larger than the selected images, naming the field', async () => {
    const wide = mnistConfig();
    wide.model = {
      ...wide.model,
      encoder: Array.from({ length: 24 }, () => ({ type: 'dense', units: 8192, activation: 'relu' })),
    };
    const big = await dispatch(studio.api, 'runs.start', { config: wide });
    expect(big.ok).toBe(false);
    if (!big.ok) {
      expect(big.error.issues?.map((i) => i.path)).toEqual(['model']);
      expect(big.error.message).toMatch(/would need about \d+\.\d GiB.*budget of \d+\.\d GiB/);
    }
    const few = mnistConfig();
    few.dataset = { name: 'mnist', classes: [3], trainSubset: 40 };
    const batch = await dispatch(studio.api, 'runs.start', { config: few });
    expect(batch.ok).toBe(false);
    if (!batch.ok)
      expect(batch.error.issues).toEqual([
        { path: 'training.batchSize', message: expect.stringMatching(/64 is larger than the 40/) },
      ]);
    expect(studio.orchestrator.activeRunIds).toEqual([]);
    expect(await studio.api['runs.list']({})).toEqual([]);
  });
});

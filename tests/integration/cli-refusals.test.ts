import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { outFolderProblem } from '../../src/cli/out-folder';
import { runCli, tempDir } from './helpers';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const run = runCli;

describe('the CLI refuses a bad output folder at once, naming --out, before any work', () => {
  const file = join(tmp.dir, 'a-file');
  const dangling = join(tmp.dir, 'dangling');
  writeFileSync(file, 'not a folder');
  symlinkSync(join(tmp.dir, 'nowhere'), dangling);

  it('for export, export --latents and sample: one line, exit 2, and no database opened', () => {
    const db = join(tmp.dir, 'never-opened.db');
    const cases = [
      { args: ['export', '1', '--out', file], says: `--out ${file}: it exists and is not a folder` },
      { args: ['export', '1', '--latents', '--out', dangling], says: `--out ${dangling}: it is a link to nothing` },
      { args: ['sample', '1', '--n', '4', '--out', file], says: `--out ${file}: it exists and is not a folder` },
      { args: ['sample', '1', '--n', '4', '--out', join(file, 'below')], says: `${file} is not a folder` },
    ];
    for (const c of cases) {
      const r = run(...c.args, '--db', db);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(c.says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(db)).toBe(false);
  });

  it('refuses a folder that already holds files unless --overwrite, naming some of them', () => {
    const db = join(tmp.dir, 'never-opened-either.db');
    const full = join(tmp.dir, 'full');
    mkdirSync(full);
    for (const f of ['config.json', 'notes.txt']) writeFileSync(join(full, f), '{}');
    for (const args of [
      ['export', '1', '--out', full],
      ['export', '1', '--latents', '--out', full],
      ['sample', '1', '--n', '4', '--out', full],
    ]) {
      const r = run(...args, '--db', db);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `--out ${full} already holds files (config.json, notes.txt): name a new folder, or add --overwrite`,
      );
    }
    const remote = run('export', '1', '--remote', 'http://127.0.0.1:1', '--overwrite');
    expect(remote.stderr).toContain('--overwrite goes with --out');
    expect(existsSync(db)).toBe(false);
  });

  it('takes a new folder, an existing one and a link to one', () => {
    const dir = join(tmp.dir, 'a-folder');
    mkdirSync(dir);
    symlinkSync(dir, join(tmp.dir, 'link-to-folder'));
    expect(outFolderProblem(join(tmp.dir, 'new', 'deeper'))).toBeNull();
    expect(outFolderProblem(dir)).toBeNull();
    expect(outFolderProblem(join(tmp.dir, 'link-to-folder'))).toBeNull();
  });
});

describe('a newcomer’s typos and questions', () => {
  it('suggests the command, the option and the preset meant, one line each, exit 2', () => {
    const db = join(tmp.dir, 'typos.db');
    const cases = [
      { args: ['trian'], says: 'unknown command "trian" (did you mean train?)' },
      {
        args: ['train', 'deep-ae-mnist', '--epoch', '1', '--db', db],
        says: 'train: unknown option --epoch (did you mean --epochs?); latent-studio train --help lists its options',
      },
      {
        args: ['train', 'deep-ae-mnst', '--db', db],
        says: 'deep-ae-mnst: no such config file or preset (did you mean deep-ae-mnist?); latent-studio presets lists them',
      },
    ];
    for (const c of cases) {
      const r = run(...c.args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(`latent-studio: ${c.says}`);
    }
    expect(existsSync(db)).toBe(false);
  });

  it('answers --version, and a command’s --help with its own lines of the usage', () => {
    const version = run('--version');
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^latent-studio \d+\.\d+\.\d+\n$/);
    const help = run('resume', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe(
      '  latent-studio resume <runId> [--set training.epochs=N] [--db PATH] [--json] [--max-concurrent N]',
    );
    expect(help.stdout).not.toContain('latent-studio train ');
    expect(help.stdout).toContain('--db defaults to');
  });
});

describe('what a newcomer types wrong in a run', () => {
  it('names a --set field that is not one by its own path, a --db folder that does not exist, and an empty search', () => {
    const db = join(tmp.dir, 'fields.db');
    const field = run('train', 'deep-ae-mnist', '--set', 'model.latentSiz=8', '--db', db);
    expect(field.code).toBe(2);
    expect(field.stderr).toBe(
      'latent-studio: deep-ae-mnist refused: model.latentSiz: not a field here (a typo, or another family’s field?)\n',
    );
    const nowhere = join(tmp.dir, 'no-such-folder', 'studio.db');
    const folder = run('runs', '--db', nowhere);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`latent-studio: --db ${nowhere}: the folder ${join(tmp.dir, 'no-such-folder')} does not exist\n`);
    expect(existsSync(join(tmp.dir, 'no-such-folder'))).toBe(false);
    const none = run('runs', '--search', 'tag:nothing', '--db', db);
    expect(none.code).toBe(0);
    expect(none.stderr).toBe('no runs matching "tag:nothing"\n');
  });
});

describe('bad input named by the flag or argument that gave it, exit 2, nothing made', () => {
  it('refuses a name on a list, a second argument, a bad port, a folder that is no database, and run ids', () => {
    const db = join(tmp.dir, 'named.db');
    const notDb = join(tmp.dir, 'not-a-database.db');
    writeFileSync(notDb, 'not SQLite');
    const nowhere = join(tmp.dir, 'no-folder', 'x.db');
    const cases = [
      // Dropped by the schema before: the run trained with the preset's encoder.
      {
        args: ['train', 'deep-ae-mnist', '--set', 'model.encoder.units=3', '--db', db],
        says: '--set model.encoder.units: model.encoder is a list: name an item as model.encoder[0].units',
      },
      {
        args: ['train', 'deep-ae-mnist', '--epochs', '-1', '--db', db],
        says: 'deep-ae-mnist refused: training.epochs: must be at least 1',
      },
      { args: ['show', '1', '2', '--db', db], says: 'show: takes one argument, not also "2"' },
      { args: ['evaluate', 'abc', '--db', db], says: 'evaluate needs a run id (latent-studio runs), not "abc"' },
      { args: ['prior', '--db', db], says: 'prior needs a run id (latent-studio runs)' },
      {
        args: ['study', 'disentanglement', '--score-points', '0', '--db', db],
        says: 'study refused: --score-points: must be at least',
      },
      { args: ['serve', '--port', '99999', '--db', db], says: '--port: expected a whole number from 0 (any free port) to 65535' },
      { args: ['runs', '--db', notDb], says: `--db ${notDb}: file is not a database` },
      { args: ['runs', '--db', tmp.dir], says: `--db ${tmp.dir}: unable to open database file` },
      { args: ['generate', 'shapes', '--count', '50', '--db', nowhere], says: `--db ${nowhere}: the folder` },
    ];
    for (const c of cases) {
      const r = run(...c.args);
      expect(r.code, `${c.args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(`latent-studio: ${c.says}`)]);
    }
    expect(existsSync(db)).toBe(false);
    expect(existsSync(join(tmp.dir, 'no-folder'))).toBe(false);
  });

  it('a study of a family that takes no part in it: refused by name with those that do, no sweep queued', () => {
    const db = join(tmp.dir, 'study.db');
    const r = run('study', 'disentanglement', '--models', 'vae,autoencoder', '--db', db);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(
      'latent-studio: study refused: study.models: autoencoder is not a family of the study (vae, beta-tc-vae, factor-vae, dip-vae)',
    );
    expect(run('runs', '--json', '--db', db).stdout.trim()).toBe('[]');
  });
});

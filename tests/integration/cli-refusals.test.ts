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

  it('takes a new folder, an existing one and a link to one', () => {
    const dir = join(tmp.dir, 'a-folder');
    mkdirSync(dir);
    symlinkSync(dir, join(tmp.dir, 'link-to-folder'));
    expect(outFolderProblem(join(tmp.dir, 'new', 'deeper'))).toBeNull();
    expect(outFolderProblem(dir)).toBeNull();
    expect(outFolderProblem(join(tmp.dir, 'link-to-folder'))).toBeNull();
  });
});

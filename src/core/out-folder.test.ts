import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from './errors';
import { writeWhole } from './out-folder';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));
const fresh = () => (root = mkdtempSync(join(tmpdir(), 'latent-studio-out-')));

/** Writes an export-shaped folder (a part folder and a file) into `dir`, as the export does into its staging folder. */
async function writeParts(dir: string, tag: string) {
  mkdirSync(join(dir, 'decoder'));
  writeFileSync(join(dir, 'decoder', 'model.json'), tag);
  writeFileSync(join(dir, 'config.json'), tag);
  return { files: [join(dir, 'decoder', 'model.json'), join(dir, 'config.json')] };
}

describe('writeWhole: an export folder written whole or not at all', () => {
  it('writes a new folder (and its parents), answers the final paths, and leaves no staging folder', async () => {
    const out = join(fresh(), 'exports', 'run-7');
    const result = await writeWhole(out, {}, (dir) => writeParts(dir, 'first'));
    expect(result.files).toEqual([join(out, 'decoder', 'model.json'), join(out, 'config.json')]);
    expect(readFileSync(join(out, 'decoder', 'model.json'), 'utf8')).toBe('first');
    expect(readdirSync(join(root, 'exports'))).toEqual(['run-7']);
  });

  it('leaves nothing behind when the writing fails: no folder, no staging folder', async () => {
    const out = join(fresh(), 'run-7');
    const failing = writeWhole(out, {}, async (dir) => {
      await writeParts(dir, 'half');
      throw new Error('the worker crashed');
    });
    await expect(failing).rejects.toThrow('the worker crashed');
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses a folder that holds files before writing anything, and keeps what is there', async () => {
    const out = join(fresh(), 'run-7');
    await writeWhole(out, {}, (dir) => writeParts(dir, 'first'));
    let called = false;
    const again = writeWhole(out, {}, async (dir) => {
      called = true;
      return writeParts(dir, 'second');
    });
    await expect(again).rejects.toThrow(ApiError);
    await expect(again).rejects.toThrow(`${out} already holds files (config.json, decoder)`);
    expect(called).toBe(false);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('first');
  });

  it('takes an empty folder; with overwrite replaces only the entries it writes, part folders whole', async () => {
    const out = join(fresh(), 'run-7');
    mkdirSync(out);
    await writeWhole(out, {}, (dir) => writeParts(dir, 'first'));
    writeFileSync(join(out, 'decoder', 'stale.bin'), 'from an older export');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    await writeWhole(out, { overwrite: true }, (dir) => writeParts(dir, 'second'));
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('second');
    expect(readdirSync(join(out, 'decoder'))).toEqual(['model.json']);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    // Into a folder that exists, the staging folder was made inside it (its parent need not be writable), and is gone.
    expect(readdirSync(out).sort()).toEqual(['config.json', 'decoder', 'notes.txt']);
    expect(existsSync(join(root, 'run-7'))).toBe(true);
    expect(readdirSync(root)).toEqual(['run-7']);
  });
});

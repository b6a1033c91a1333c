import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
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
  it('clears what an export killed midway left, rolling a half-done replacement back to the earlier export', async () => {
    const out = join(fresh(), 'run-7');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
    // Killed while it wrote a new folder: its staging folder beside it.
    mkdirSync(join(root, `.run-7.partial-${host}-${dead}-0123abcd`, 'decoder'), { recursive: true });
    await writeWhole(out, {}, (dir) => writeParts(dir, 'first'));
    expect(readdirSync(root)).toEqual(['run-7']);
    // Killed while it replaced the earlier export's entries (config.json, decoder/, in that order, and a new
    // metrics.csv): config.json placed new and its old one set aside; decoder/ set aside, its new one not yet placed;
    // metrics.csv, which the earlier export lacked, placed. Rolled back: the earlier export whole, nothing new.
    const staging = join(out, `.partial-${host}-${dead}-4567cdef`);
    mkdirSync(join(staging, '.replaced'), { recursive: true });
    writeFileSync(join(staging, '.names'), JSON.stringify(['config.json', 'decoder', 'metrics.csv']));
    renameSync(join(out, 'config.json'), join(staging, '.replaced', 'config.json'));
    writeFileSync(join(out, 'config.json'), 'second');
    renameSync(join(out, 'decoder'), join(staging, '.replaced', 'decoder'));
    await writeParts(staging, 'second');
    rmSync(join(staging, 'config.json'));
    writeFileSync(join(out, 'metrics.csv'), 'second');
    await expect(writeWhole(out, {}, (dir) => writeParts(dir, 'third'))).rejects.toThrow(/already holds files/);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'decoder']);
    expect([join(out, 'config.json'), join(out, 'decoder', 'model.json')].map((f) => readFileSync(f, 'utf8'))).toEqual([
      'first',
      'first',
    ]);
    // One that lives (this test's parent: another export under way), or another machine's, is left alone.
    const live = join(root, `.run-8.partial-${host}-${process.ppid}-89abcdef`);
    const elsewhere = join(root, `.run-8.partial-0badc0de-${dead}-89abcdef`);
    for (const d of [live, elsewhere]) mkdirSync(d);
    await writeWhole(join(root, 'run-8'), {}, (dir) => writeParts(dir, 'third'));
    expect([live, elsewhere].map(existsSync)).toEqual([true, true]);
  });

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

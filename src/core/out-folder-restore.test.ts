import type * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeWhole } from './out-folder';

/**
 * A move that fails halfway through an overwriting export (a full disk, a file held open on Windows) must leave the
 * folder as it was. The failure is injected into `renameSync`: the third entry moved from the staging folder into
 * place throws (entries move in name order), after a new one (README.txt) was placed and an old one replaced.
 */
const failing = vi.hoisted(() => ({ after: Infinity, moved: 0 }));
vi.mock('node:fs', async (original) => {
  const real: typeof fs = await original();
  const renameSync: typeof real.renameSync = (from, to) => {
    const fromStaging = basename(dirname(String(from))).startsWith('.partial-');
    if (fromStaging && failing.moved++ >= failing.after) {
      throw Object.assign(new Error('ENOSPC: no space left on device, rename'), { code: 'ENOSPC' });
    }
    real.renameSync(from, to);
  };
  return { ...real, renameSync, default: { ...real, renameSync } };
});

let root: string;
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  failing.after = Infinity;
  failing.moved = 0;
});

async function writeParts(dir: string, tag: string, withReadme = false) {
  if (withReadme) writeFileSync(join(dir, 'README.txt'), tag);
  mkdirSync(join(dir, 'decoder'));
  writeFileSync(join(dir, 'decoder', 'model.json'), tag);
  writeFileSync(join(dir, 'config.json'), tag);
  return { files: [join(dir, 'decoder', 'model.json'), join(dir, 'config.json')] };
}

describe('writeWhole with overwrite, a move failing halfway', () => {
  it('puts every old entry back, removes the new one already placed, and leaves no staging folder', async () => {
    root = mkdtempSync(join(tmpdir(), 'latent-studio-restore-'));
    const out = join(root, 'run-7');
    mkdirSync(out);
    await writeWhole(out, {}, (dir) => writeParts(dir, 'first'));
    writeFileSync(join(out, 'notes.txt'), 'mine');

    failing.moved = 0;
    failing.after = 2;
    const again = writeWhole(out, { overwrite: true }, (dir) => writeParts(dir, 'second', true));
    await expect(again).rejects.toThrow('ENOSPC');
    expect(failing.moved).toBe(3);

    expect(readdirSync(out).sort()).toEqual(['config.json', 'decoder', 'notes.txt']);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('first');
    expect(readFileSync(join(out, 'decoder', 'model.json'), 'utf8')).toBe('first');
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

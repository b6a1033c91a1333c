import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleFolders, workerScript } from './worker-script';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(os.tmpdir(), 'worker-script-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('the wasm workers script', () => {
  it('is written to a private folder of this process', () => {
    const tmp = scratch();
    const file = workerScript('importScripts("glue.js");', tmp);
    expect(readFileSync(file, 'utf8')).toBe('importScripts("glue.js");');
    const folder = file.slice(0, file.lastIndexOf('/'));
    expect(folder.startsWith(join(tmp, `latent-studio-wasm-${process.pid}-`))).toBe(true);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
  });

  it('removes the folders that killed processes left, and no others', () => {
    const tmp = scratch();
    const gone = endedPid();
    for (const name of [`latent-studio-wasm-${gone}`, `latent-studio-wasm-${gone}-abc123`]) mkdirSync(join(tmp, name));
    const live = [`latent-studio-wasm-${process.pid}-xyz`, `latent-studio-wasm-1`, 'latent-studio-wasm-notes', 'other'];
    for (const name of live) mkdirSync(join(tmp, name));
    removeStaleFolders(tmp);
    expect(readdirSync(tmp).sort()).toEqual([...live].sort());
  });

  it('leaves nothing behind when its process exits', () => {
    const tmp = scratch();
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${join(import.meta.dirname, 'worker-script.ts')}').then((m) => m.workerScript('x', ${JSON.stringify(tmp)}))`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(existsSync(tmp) && readdirSync(tmp)).toEqual([]);
  });
});

import { lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { processAlive } from './process-alive';

/** The temporary folders of the wasm pthread workers' script: `latent-studio-wasm-<pid>-<random>`. */
const folderName = /^latent-studio-wasm-(\d+)(?:-|$)/;

/**
 * Writes the wasm pthread workers' script to a temporary folder of this process's own (private: mkdtemp makes it
 * 0700, under an unpredictable name) and returns the file's path. The folder is removed when the process exits; a
 * process killed before that (a cancelled run's worker, kill -9) leaves its folder behind, so the folders of
 * processes that are gone are removed first.
 */
export function workerScript(text: string, tmp = os.tmpdir()): string {
  removeStaleFolders(tmp);
  const dir = mkdtempSync(join(tmp, `latent-studio-wasm-${process.pid}-`));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

/** Removes this user's script folders in `tmp` whose process has ended (older versions' `latent-studio-wasm-<pid>` too). */
export function removeStaleFolders(tmp: string): void {
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(folderName.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    const path = join(tmp, name);
    try {
      const stat = lstatSync(path);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile, or not ours to remove.
    }
  }
}

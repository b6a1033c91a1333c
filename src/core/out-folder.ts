/**
 * Folders written whole or not at all: an export fills a hidden staging folder (beside its destination, or inside
 * one that exists), and only when every file is written are its entries renamed into place. A failed export (a bad checkpoint, a full disk, a
 * crashed worker) leaves nothing behind, and an export never replaces files it was not told it may replace.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { ApiError } from './errors';
import { processAlive } from './store/supervisor';

export type OutFolderOptions = {
  /** Replace the entries of the same names that an earlier export left there (other files are kept). */
  overwrite?: boolean;
};

/** What of `names` already lies in `outDir` (all of its entries when `names` is omitted); [] when it doesn't exist. */
export function takenNames(outDir: string, names?: readonly string[]): string[] {
  let present: string[];
  try {
    if (!statSync(outDir).isDirectory()) throw new ApiError('bad_request', `${outDir} exists and is not a folder`);
    present = readdirSync(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names ? present.filter((n) => names.includes(n)) : present;
}

/** The refusal for a folder that already holds files, naming a few of them. */
export function occupiedMessage(outDir: string, taken: readonly string[]): string {
  const shown = taken.slice(0, 4).join(', ') + (taken.length > 4 ? `, and ${taken.length - 4} more` : '');
  return `${outDir} already holds files (${shown})`;
}

/** Refuses (a conflict) a folder that already holds anything, unless `overwrite`: checked again by `writeWhole`. */
export function refuseOccupied(outDir: string, options: OutFolderOptions): void {
  const taken = options.overwrite ? [] : takenNames(outDir);
  if (taken.length > 0)
    throw new ApiError('conflict', `${occupiedMessage(outDir, taken)}: name a new folder, or allow overwriting`);
}

/**
 * Runs `write` on a fresh staging folder, then moves what it wrote into `outDir`. A new `outDir` is the staging
 * folder (made beside it) renamed into place; into one that exists, the staging folder is made inside it and its
 * entries are renamed out (so a folder whose parent is not writable, as `--out .` in one's home, still works).
 * Without `overwrite`, a folder that already holds anything is refused before `write` runs; with it, only the
 * entries the export writes are replaced, all of them or (a move failing) none. The paths `write` returns (inside
 * the staging folder) come back as the paths they have in `outDir`.
 */
export async function writeWhole<T extends { files: string[] }>(
  outDir: string,
  options: OutFolderOptions,
  write: (staging: string) => Promise<T>,
): Promise<T & { outDir: string }> {
  recoverLeftStaging(outDir);
  refuseOccupied(outDir, options);
  const exists = existsSync(outDir);
  const tag = `partial-${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const staging = exists ? join(outDir, `.${tag}`) : join(dirname(outDir), `.${basename(outDir)}.${tag}`);
  mkdirSync(dirname(staging), { recursive: true });
  mkdirSync(staging);
  try {
    const result = await write(staging);
    if (!exists) renameSync(staging, outDir);
    else replaceEntries(staging, outDir);
    return { ...result, outDir, files: result.files.map((f) => join(outDir, relative(staging, f))) };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** This machine in a staging folder's name: a folder shared with other machines holds their exports' too. */
const hostTag = () => createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const stagingTag = /^partial-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}$/;
/** In a staging folder replacing entries: the names it places, written before the first is moved (`replaceEntries`). */
const journal = '.names';
const aside = '.replaced';

/**
 * Clears what an export killed midway on this machine left for `outDir` (its process gone): a staging folder beside
 * it, or inside it. One killed while it replaced entries is rolled back first, name by name from its journal: an
 * old entry set aside goes back in place of whatever is there, a new one placed where there was none goes, so the
 * folder holds the earlier export whole. Otherwise the next export there would be refused for a hidden folder the
 * user never made. Staging folders of other machines (a shared folder) are left to them.
 */
function recoverLeftStaging(outDir: string): void {
  const left = (dir: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.startsWith(prefix))
      .filter((n) => {
        const [, host, pid] = stagingTag.exec(n.slice(prefix.length)) ?? [];
        return host === hostTag() && Number(pid) !== process.pid && !processAlive(Number(pid));
      })
      .map((n) => join(dir, n));
  };
  for (const staging of left(outDir, '.')) {
    if (existsSync(join(staging, journal))) {
      const names = JSON.parse(readFileSync(join(staging, journal), 'utf8')) as string[];
      for (const name of names) {
        const old = join(staging, aside, name);
        if (existsSync(old)) {
          rmSync(join(outDir, name), { recursive: true, force: true });
          renameSync(old, join(outDir, name));
        } else if (!existsSync(join(staging, name))) rmSync(join(outDir, name), { recursive: true, force: true });
      }
    }
    rmSync(staging, { recursive: true, force: true });
  }
  for (const staging of left(dirname(outDir), `.${basename(outDir)}.`)) rmSync(staging, { recursive: true, force: true });
}

/**
 * Moves the staging folder's entries into `outDir`, each replacing the entry of its name: the old ones are set
 * aside first (inside the staging folder), and put back if any move fails, so the folder is never half old, half new.
 */
function replaceEntries(staging: string, outDir: string): void {
  const names = readdirSync(staging).sort();
  writeFileSync(join(staging, journal), JSON.stringify(names));
  const setAsideDir = join(staging, aside);
  mkdirSync(setAsideDir);
  const placed: string[] = [];
  const setAside: string[] = [];
  try {
    for (const name of names) {
      if (takenNames(outDir, [name]).length > 0) {
        renameSync(join(outDir, name), join(setAsideDir, name));
        setAside.push(name);
      }
      renameSync(join(staging, name), join(outDir, name));
      placed.push(name);
    }
  } catch (e) {
    for (const name of placed) rmSync(join(outDir, name), { recursive: true, force: true });
    for (const name of setAside) renameSync(join(setAsideDir, name), join(outDir, name));
    throw e;
  }
}

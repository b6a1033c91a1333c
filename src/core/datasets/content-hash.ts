/**
 * The sha256 a run records of a built-in set's files, remembered by each file's identity and last change, so that
 * a worker need not read 55 MB of MNIST to name the data set it trains on a thousand images of.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../store/supervisor';
import type { IdxSource } from './idx';

/**
 * What says a file is the one hashed before: a change to its content moves its size, its mtime or its ctime (which,
 * unlike the mtime, no program can set back: `cp -p` over it keeps the inode and puts the old mtime back).
 */
function identity(file: string): string {
  const s = statSync(file, { bigint: true });
  return `${file}\0${s.dev}\0${s.ino}\0${s.size}\0${s.mtimeNs}\0${s.ctimeNs}`;
}

function hashFileInto(hash: Hash, file: string): void {
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let got = readSync(fd, chunk); got > 0; got = readSync(fd, chunk)) hash.update(chunk.subarray(0, got));
  } finally {
    closeSync(fd);
  }
}

/** sha256 of the sources' whole files one after another (gunzipped where they were gzipped). */
function hashSources(sources: readonly IdxSource[]): string {
  const hash = createHash('sha256');
  for (const s of sources) {
    if ('bytes' in s) hash.update(s.bytes);
    else hashFileInto(hash, s.file);
  }
  return hash.digest('hex');
}

const remembered = new Map<string, string>();
/** Entries kept in a cache file: the built-in sets, each under a few installs at most. */
const cacheEntries = 16;

function readCache(cacheFile: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // Missing or unreadable: hashed again, and written anew.
  }
  return {};
}

/**
 * The hash of `sources` (read in `files`, in order), taken from memory or from `cacheFile` when every file is as it
 * was when hashed, else computed and written there (replaced whole by a rename, so that concurrent workers each
 * see a whole file; a cache that cannot be written is only not kept).
 */
export function contentHash(files: readonly string[], sources: readonly IdxSource[], cacheFile: string | null): string {
  const key = createHash('sha256').update(files.map(identity).join('\n')).digest('hex');
  const known = remembered.get(key) ?? (cacheFile ? readCache(cacheFile)[key] : undefined);
  if (known && /^[0-9a-f]{64}$/.test(known)) {
    remembered.set(key, known);
    return known;
  }
  const hash = hashSources(sources);
  remembered.set(key, hash);
  if (cacheFile) {
    const entries = Object.entries({ ...readCache(cacheFile), [key]: hash }).slice(-cacheEntries);
    const partial = `${cacheFile}.${process.pid}.partial`;
    try {
      writeFileSync(partial, `${JSON.stringify(Object.fromEntries(entries), null, 1)}\n`);
      renameSync(partial, cacheFile);
      sweepPartials(cacheFile);
    } catch {
      // A read-only studio folder: the hash is computed again next time.
      rmSync(partial, { force: true });
    }
  }
  return hash;
}

/** A partial cache file is a crashed writer's once its process is gone and a minute has passed (another machine's pid means nothing here). */
const abandonedAfterMs = 60_000;

/** Removes what writers of `cacheFile` that died between writing and renaming left (`<cache>.<pid>.partial`). */
function sweepPartials(cacheFile: string): void {
  const prefix = `${basename(cacheFile)}.`;
  for (const name of readdirSync(dirname(cacheFile))) {
    const pid = name.startsWith(prefix) ? /^(\d+)\.partial$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid === undefined || processAlive(Number(pid))) continue;
    const file = join(dirname(cacheFile), name);
    try {
      if (statSync(file).mtimeMs < Date.now() - abandonedAfterMs) rmSync(file, { force: true });
    } catch {
      // Gone already, or not ours to remove: it is only left.
    }
  }
}

/** Forgets what this process remembered (tests: the next call reads the cache file or the files). */
export function forgetContentHashes(): void {
  remembered.clear();
}

import { homedir, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * The user's data directory for the studio, following each OS's convention; the desktop app, the headless host and
 * the CLI all use it (on Linux it is not Electron's userData, which is under ~/.config).
 */
export function defaultDataDir(): string {
  if (process.env['LATENT_STUDIO_HOME']) return process.env['LATENT_STUDIO_HOME'];
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'latent-studio');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'latent-studio');
  return join(process.env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'latent-studio');
}

export function defaultDbPath(): string {
  return join(defaultDataDir(), 'studio.db');
}

/** Imported and generated data sets live beside the database they were made for. */
export function datasetsDirFor(dbPath: string): string {
  return join(dbPath === ':memory:' ? join(tmpdir(), `latent-studio-${process.pid}`) : dirname(dbPath), 'datasets');
}

/**
 * Where a database's checkpoints go, beside it: `checkpoints/` for the studio's own `studio.db`, and
 * `checkpoints-<file name>/` for any other (`--db ~/exp/beta.db`: `checkpoints-beta.db/`), so two databases in one
 * folder never share a run's folder (both have a run 7). Before this, every database used `checkpoints/`:
 * `legacyCheckpointsDir`.
 */
export function checkpointsDirFor(dbPath: string): string {
  if (dbPath === ':memory:') return join(tmpdir(), `latent-studio-${process.pid}`, 'checkpoints');
  const name = basename(dbPath);
  return join(dirname(dbPath), name === 'studio.db' ? 'checkpoints' : `checkpoints-${name}`);
}

/** The folder every database's checkpoints went to before checkpointsDirFor: an older run's paths lie in it. */
export const legacyCheckpointsDir = (checkpointDir: string): string => join(dirname(checkpointDir), 'checkpoints');

/** A path built from user input (a name, an id) that would leave its root. */
export class PathEscapeError extends Error {
  constructor(
    readonly root: string,
    readonly part: string,
  ) {
    super(`"${part}" does not name something inside ${root}`);
    this.name = 'PathEscapeError';
  }
}

/**
 * Joins parts under `root` and refuses a result outside it (`..`, absolute parts, NUL bytes):
 * every path the studio builds from a name or an id goes through here.
 */
export function insideRoot(root: string, ...parts: string[]): string {
  const base = resolve(root);
  for (const part of parts) if (part.includes('\0')) throw new PathEscapeError(base, part);
  const full = resolve(base, ...parts);
  const rel = relative(base, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new PathEscapeError(base, parts.join('/'));
  return full;
}

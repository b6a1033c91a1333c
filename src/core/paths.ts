import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The user's data directory for the studio, following each OS's convention (as Electron's app.getPath('userData')). */
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

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for another runtime (Electron's ABI). */
  nativeBinding?: string | undefined;
}

/** Opens (creating if needed) the studio database and brings its schema up to date. */
export function openDb(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * SQL functions the migrations call: `fold_case(text)`, JavaScript's lower case (SQLite's lower() folds ASCII alone),
 * as labels.ts folds a tag's case, so Über and über are one tag in both.
 */
export function registerMigrationFunctions(db: Pick<Db, 'function'>): void {
  db.function('fold_case', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s) as string);
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `database schema version ${current} is newer than this studio understands (${migrations.length}); update Latent Studio`,
    );
  }
  if (current === migrations.length) return;
  // A migration that rebuilds a table drops the old one: with foreign keys on, that would delete (cascade) every row
  // that refers to it. They are off while the schema changes (it cannot change inside a transaction), and the rows
  // are checked against them before the transaction commits.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  registerMigrationFunctions(db);
  const apply = db.transaction(() => {
    // Read again under the write lock (below): another studio opening this database may have migrated it meanwhile.
    const from = db.pragma('user_version', { simple: true }) as number;
    for (let v = from; v < migrations.length; v++) {
      db.exec(migrations[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`the schema migration left ${broken.length} rows referring to nothing`);
  });
  try {
    apply.immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
}

export function integrityCheck(db: Db): string {
  return db.pragma('integrity_check', { simple: true }) as string;
}

export function nowIso(): string {
  return new Date().toISOString();
}

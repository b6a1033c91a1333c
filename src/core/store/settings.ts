import type { Db } from './db';
import { stmt } from './statements';

/** A setting kept in the database (JSON), or undefined when never set. */
export function getSetting<T>(db: Db, key: string): T | undefined {
  const row = stmt<[string], { value: string }>(db, 'SELECT value FROM settings WHERE key = ?').get(key);
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export function setSetting(db: Db, key: string, value: unknown): void {
  stmt(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    JSON.stringify(value),
  );
}

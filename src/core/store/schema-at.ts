/**
 * Databases as an older studio left them, for the migration tests: the schema at a version, and a run inserted the
 * way that studio inserted it (its supervisor and heartbeat on the run). Test support only.
 */
import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import type { RunConfig } from '../../shared/config';
import { registerMigrationFunctions } from './db';
import { migrations } from './migrations';

/** An in-memory database at schema `version`, foreign keys on. */
export function databaseAt(version: number): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  registerMigrationFunctions(db);
  for (const m of migrations.slice(0, version)) db.exec(m);
  db.pragma(`user_version = ${version}`);
  return db;
}

/** A run as a studio before schema 15 stored it (version ≥ 5): queued and held by this process unless `row` says otherwise. */
export function insertLegacyRun(
  db: Database.Database,
  config: RunConfig,
  row: Partial<Record<'status' | 'supervisor_pid' | 'heartbeat_at' | 'resume_from' | 'started_at', string | number | null>> = {},
): number {
  db.prepare(`INSERT INTO experiments (name, created_at) VALUES ('Default', 'x') ON CONFLICT(name) DO NOTHING`).run();
  const columns = {
    experiment_id: (db.prepare(`SELECT id FROM experiments WHERE name = 'Default'`).get() as { id: number }).id,
    name: config.family,
    family: config.family,
    config_json: JSON.stringify(config),
    config_hash: 'hash',
    status: 'queued',
    seed: config.training.seed,
    epochs: config.training.epochs,
    created_at: new Date().toISOString(),
    heartbeat_at: new Date().toISOString(),
    supervisor_host: hostname(),
    supervisor_pid: process.pid,
    ...row,
  };
  const names = Object.keys(columns);
  return Number(
    db
      .prepare(`INSERT INTO runs (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`)
      .run(...Object.values(columns)).lastInsertRowid,
  );
}

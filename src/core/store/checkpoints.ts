import { nowIso, type Db } from './db';
import { stmt } from './statements';

export interface CheckpointRecord {
  epoch: number;
  step: number;
  path: string;
  sizeBytes: number;
  sha256: string;
}

/** Called only after the checkpoint file has been renamed into place. */
export function insertCheckpoint(db: Db, runId: number, c: CheckpointRecord): void {
  stmt(
    db,
    'INSERT INTO checkpoints (run_id, epoch, step, path, size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(runId, c.epoch, c.step, c.path, c.sizeBytes, c.sha256, nowIso());
}

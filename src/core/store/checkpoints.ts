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

export interface StoredCheckpoint extends CheckpointRecord {
  id: number;
}

/** A run's checkpoints, newest first. */
export function listCheckpoints(db: Db, runId: number): StoredCheckpoint[] {
  return stmt<[number], StoredCheckpoint>(
    db,
    'SELECT id, epoch, step, path, size_bytes AS sizeBytes, sha256 FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC, id DESC',
  ).all(runId);
}

export function deleteCheckpointRow(db: Db, id: number): void {
  stmt(db, 'DELETE FROM checkpoints WHERE id = ?').run(id);
}

/**
 * Whether a file is still needed: a checkpoint row names it, or a learned prior queued or training on it, or the
 * run's newest completed one (the one sampling uses), does: sampling decodes the prior's codes with the very
 * checkpoint its codes came from. An evaluation names its epoch and finds the checkpoint when it starts.
 */
export function checkpointPathInUse(db: Db, path: string): boolean {
  return (
    stmt<[string, string], { n: number }>(
      db,
      `SELECT 1 AS n FROM checkpoints WHERE path = ?
       UNION ALL
       SELECT 1 FROM jobs j WHERE kind = 'prior' AND json_extract(request_json, '$.checkpoint.path') = ?
         AND (state IN ('queued', 'running') OR (state = 'completed' AND id = (
           SELECT max(id) FROM jobs WHERE kind = 'prior' AND run_id = j.run_id AND state = 'completed')))
       LIMIT 1`,
    ).get(path, path) !== undefined
  );
}

import { existsSync, readdirSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import type { RunConfig } from '../../shared/config';
import { insideRoot, legacyCheckpointsDir, PathEscapeError } from '../paths';
import {
  checkpointPathInUse,
  deleteCheckpointRow,
  insertCheckpoint,
  listCheckpoints,
  type CheckpointRecord,
} from '../store/checkpoints';
import type { Db } from '../store/db';
import { metricAt } from '../store/metrics';
import { checkpointsToDrop } from './checkpoint-policy';

/** Deletes a checkpoint file the store no longer refers to, only ever inside the studio's checkpoint folder. */
export function removeCheckpointFile(checkpointDir: string, path: string): void {
  // An older run's may lie in the folder every database once shared (checkpointsDirFor); nowhere else.
  const legacy = legacyCheckpointsDir(checkpointDir);
  const root =
    !relative(legacy, path).startsWith('..') && relative(checkpointDir, path).startsWith('..') ? legacy : checkpointDir;
  rmSync(insideRoot(root, relative(root, path)), { force: true });
}

/**
 * A deleted run's files: each by its stored path, then its folder. The folder is removed whole where it is this
 * database's own; in the folder every database once shared (studio.db's), only once empty, since an older database's
 * run of the same id may keep files there.
 */
export function removeRunFiles(checkpointDir: string, runId: number, files: readonly string[]): void {
  for (const f of files) {
    try {
      removeCheckpointFile(checkpointDir, f);
    } catch (e) {
      if (!(e instanceof PathEscapeError)) throw e; // a path outside the studio's folders is not its to remove
    }
  }
  const folder = insideRoot(checkpointDir, `run-${runId}`);
  if (checkpointDir !== legacyCheckpointsDir(checkpointDir)) rmSync(folder, { recursive: true, force: true });
  else if (existsSync(folder) && readdirSync(folder).length === 0) rmSync(folder, { recursive: true });
}

/**
 * Stores a run's new checkpoint, then drops those its policy no longer keeps (rows, then files). With `keepBest`, the
 * run's test metrics must be written first (the caller flushes them).
 */
export function keepCheckpoint(
  db: Db,
  checkpointDir: string,
  runId: number,
  checkpoint: CheckpointRecord,
  policy: RunConfig['training']['checkpoints'],
  pretraining = 0,
  /** Where `keepBest`'s metric is read: the validation split where the run holds one out. */
  split: 'test' | 'val' = 'test',
): void {
  insertCheckpoint(db, runId, checkpoint);
  const best = policy?.keepBest;
  const drop = checkpointsToDrop(
    listCheckpoints(db, runId),
    policy,
    (step) => (best ? metricAt(db, runId, split, best.metric, step) : undefined),
    pretraining,
  );
  for (const c of drop) {
    deleteCheckpointRow(db, c.id);
    // A log read twice (a studio that crashed between ingesting and recording its place) stores a checkpoint twice,
    // under one path: the file stays while a row names it.
    if (!checkpointPathInUse(db, c.path)) removeCheckpointFile(checkpointDir, c.path);
  }
}

import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import type { RunConfig } from '../../shared/config';
import { insideRoot, legacyCheckpointsDir } from '../paths';
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

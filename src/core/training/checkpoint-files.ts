import { rmSync } from 'node:fs';
import { relative } from 'node:path';
import { insideRoot } from '../paths';

/** Deletes a checkpoint file the store no longer refers to, only ever inside the studio's checkpoint folder. */
export function removeCheckpointFile(checkpointDir: string, path: string): void {
  rmSync(insideRoot(checkpointDir, relative(checkpointDir, path)), { force: true });
}

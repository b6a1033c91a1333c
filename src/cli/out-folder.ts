import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { occupiedMessage, takenNames } from '../core/out-folder';
import { UsageError } from './runner';

/**
 * The folder `--out` names, resolved, or a usage error before any work: it cannot be written into
 * (`outFolderProblem`), or it already holds files and `--overwrite` was not given (what `what` writes replaces nothing
 * unless told to).
 */
export function outFolderFlag(out: string, overwrite: boolean, what: string): string {
  const problem = outFolderProblem(out);
  if (problem) throw new UsageError(`--out ${out}: ${problem}; name a folder to write into`);
  const taken = overwrite ? [] : takenNames(resolve(out));
  if (taken.length > 0) {
    throw new UsageError(
      `--out ${occupiedMessage(out, taken)}: name a new folder, or add --overwrite to replace what ${what} writes there`,
    );
  }
  return resolve(out);
}

/**
 * Why `path` cannot be the folder a command writes into, or null when it can. Commands check it before any work,
 * so that a bad `--out` is refused at once instead of failing (with a stack trace) after minutes of computing.
 * A folder that exists, or a link to one, is fine; so is a path that does not exist yet below a folder that does.
 */
export function outFolderProblem(path: string): string | null {
  const absolute = resolve(path);
  // The path itself, or the nearest of its parents that exists: that one must be a folder.
  let at = absolute;
  while (!exists(at)) {
    if (dirname(at) === at) return null;
    at = dirname(at);
  }
  const what = at === absolute ? 'it' : at;
  if (lstatSync(at).isSymbolicLink() && !exists(at, true)) return `${what} is a link to nothing (${readlinkSync(at)})`;
  if (!statSync(at).isDirectory()) return `${what === 'it' ? 'it exists and' : what} is not a folder`;
  return null;
}

/** Whether `path` exists: the link itself, or (following links) what it points to. */
function exists(path: string, follow = false): boolean {
  try {
    (follow ? statSync : lstatSync)(path);
    return true;
  } catch {
    return false;
  }
}

import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

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

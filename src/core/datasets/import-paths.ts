/**
 * The paths an import reads: a path the user gave is followed if it is a link (they chose it); inside an imported
 * folder, links and special files are refused, each named by its path there.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { DatasetFileError } from './idx';

export const errorCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Why `path` (a link, or a path through one) cannot be followed, from realpath's error. */
export function unfollowable(path: string, e: unknown, shown?: string): DatasetFileError {
  const code = errorCode(e);
  if (code === 'ELOOP') return new DatasetFileError(path, 'is a symbolic link loop (it leads back to itself)', shown);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    let target: string | null = null;
    try {
      if (lstatSync(path).isSymbolicLink()) target = readlinkSync(path);
    } catch {
      // Nothing at the path itself: it does not exist.
    }
    if (target !== null) {
      return new DatasetFileError(path, `is a broken symbolic link (to ${target}, which does not exist)`, shown);
    }
    return new DatasetFileError(path, 'does not exist', shown);
  }
  return new DatasetFileError(path, `cannot be read (${code})`, shown);
}

/** A path the user gave (the import path, a labels file): followed if it is a link, since they chose it. */
export function givenPath(path: string): { real: string; stats: Stats } {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    throw unfollowable(path, e);
  }
  try {
    return { real, stats: statSync(real) };
  } catch (e) {
    throw new DatasetFileError(path, `cannot be read (${errorCode(e)})`);
  }
}

export const notRegular = 'is not a regular file (a pipe, socket or device?)';

/** How a refusal names `path` within the imported folder `root`: by its path there. */
export const shownIn = (root: string, path: string) => relative(root, path) || basename(path);

/** The visible entries of folder `dir` within the imported folder `root`, by name. */
export function folderEntries(root: string, dir: string): string[] {
  try {
    return readdirSync(dir).filter((e) => !e.startsWith('.'));
  } catch (e) {
    throw new DatasetFileError(dir, `cannot be read (${errorCode(e)})`, shownIn(root, dir));
  }
}

/**
 * What lies at `path` within the imported folder `root` (a real path), looked at with lstat: a folder or a
 * regular file. A link is followed only to a file inside `root`; a broken link, a loop, a link out of the
 * folder or to a folder (which could make a cycle) is refused by its path in the folder, as is anything
 * that is neither file nor folder and any error of the file system.
 */
export function folderEntry(root: string, path: string): Stats {
  const shown = shownIn(root, path);
  const refuse = (why: string) => new DatasetFileError(path, why, shown);
  let stats: Stats;
  try {
    stats = lstatSync(path);
  } catch (e) {
    throw refuse(`cannot be read (${errorCode(e)})`);
  }
  if (stats.isSymbolicLink()) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch (e) {
      throw unfollowable(path, e, shown);
    }
    const within = relative(root, real);
    if (within === '..' || within.startsWith(`..${sep}`) || isAbsolute(within)) {
      throw refuse('is a symbolic link that points outside the imported folder');
    }
    try {
      stats = statSync(real);
    } catch (e) {
      throw refuse(`cannot be read (${errorCode(e)})`);
    }
    if (stats.isDirectory()) {
      throw refuse('is a symbolic link to a folder: links to folders are not followed (move or copy the folder in)');
    }
  }
  if (!stats.isDirectory() && !stats.isFile()) throw refuse(notRegular);
  return stats;
}

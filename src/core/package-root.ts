import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageName = 'latent-studio';

/**
 * The studio's own folder (the one whose package.json names latent-studio), found upward from this module: the same
 * from src/core (tsx), out/main (electron-vite's build) or a bundle elsewhere in the tree (the tests' built worker
 * and CLI), where a path relative to `import.meta.url` would name a different file in each.
 */
export const packageRoot: string = (() => {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === packageName)
      return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json of ${packageName} in ${start} or above it`);
  }
})();

/** A path inside the studio's folder. */
export const packagePath = (...parts: string[]): string => join(packageRoot, ...parts);

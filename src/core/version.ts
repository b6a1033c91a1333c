import { readFileSync } from 'node:fs';
import { packagePath } from './package-root';

/** The studio's version, from package.json (read once). */
export const studioVersion: string = (() => {
  try {
    return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return process.env['npm_package_version'] ?? '0.0.0';
  }
})();

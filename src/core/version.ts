import { readFileSync } from 'node:fs';

/** The studio's version, from package.json (read once). */
export const studioVersion: string = (() => {
  try {
    const url = new URL('../../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    return process.env['npm_package_version'] ?? '0.0.0';
  }
})();

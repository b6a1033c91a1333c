import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/package-root';
import { familyModulesVariable } from '../../src/families/family-modules';
import { binCli, cliBundleVariable, cliFor } from '../bundles';

const root = join(import.meta.dirname, '..', '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('the tests’ built CLI and worker (tests/bundles.ts)', () => {
  it('are built for this run, and the built CLI finds the studio’s folder from where it lies', () => {
    const built = process.env[cliBundleVariable];
    expect(built).toMatch(/node_modules\/\.cache\/latent-studio-tests\/\d+\/cli\.mjs$/);
    expect(packageRoot).toBe(root);
    // Without npm's variables (npm_package_version would stand in for a package.json not found).
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
    const r = spawnSync(process.execPath, [built as string, '--version'], { encoding: 'utf8', env });
    expect([r.status, r.stdout.trim()]).toEqual([0, `latent-studio ${version}`]);
  });

  it('give way to bin/latent-studio.mjs where a plug-in family is named', () => {
    expect(cliFor({ ...process.env, [familyModulesVariable]: undefined })).toBe(process.env[cliBundleVariable]);
    expect(cliFor({ ...process.env, [familyModulesVariable]: '/somewhere/family.ts' })).toBe(binCli);
    expect(cliFor({ [familyModulesVariable]: '' })).toBe(binCli);
  });
});

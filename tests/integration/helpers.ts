import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Environment } from '../../src/shared/api';
import type { RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import { createStudio, findPreset, type Studio } from '../../src/core/studio';
import { forkLauncher } from '../../src/core/training/fork-launcher';
import { cliFor } from '../bundles';

/** The CLI's entry: the tests' built CLI (tests/bundles.ts), or package.json's `bin` where a plug-in family needs it. */
export const cliPath = cliFor();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A runner of the CLI to its end, killed after `timeoutMs`: its exit code and what it printed. */
export function cliWithin(timeoutMs: number): (...args: string[]) => CliResult {
  return (...args) => {
    const r = spawnSync(process.execPath, [cliFor(), ...args], { encoding: 'utf8', timeout: timeoutMs });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** Runs the CLI to its end (a minute at most). */
export const runCli = cliWithin(60_000);

export function tempDir(prefix = 'latent-studio-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openTestStudio(dbPath: string): Studio {
  return createStudio({ dbPath, launcher: forkLauncher(), transport: 'headless' });
}

/** A studio on a fresh temporary database, opened before the file's tests (handed to `use`) and closed after them. */
export function withTestStudio(use: (studio: Studio) => void): void {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let studio: Studio | undefined;
  beforeAll(() => {
    tmp = tempDir();
    studio = openTestStudio(join(tmp.dir, 'studio.db'));
    use(studio);
  });
  afterAll(async () => {
    await studio?.close();
    tmp?.cleanup();
  });
}

export function mnistConfig(
  overrides: { trainSubset?: number; testSubset?: number; epochs?: number; seed?: number } = {},
): RunConfig {
  const c = defaultRunConfig('autoencoder');
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: overrides.trainSubset ?? 6000, testSubset: overrides.testSubset ?? 1000 };
  c.training = { ...c.training, epochs: overrides.epochs ?? 1, seed: overrides.seed ?? 1, batchSize: 64, learningRate: 0.002 };
  return c;
}

/** A preset's config on a subset of MNIST, on wasm, with the training figures given (its model patched by `model`). */
export function presetOnMnist(
  name: string,
  o: { trainSubset: number; testSubset: number; epochs: number; batchSize: number; seed: number },
  model: Record<string, unknown> = {},
): RunConfig {
  const c = findPreset(name);
  if (!c) throw new Error(`no preset ${name}`);
  c.backend = 'wasm';
  c.dataset = { name: 'mnist', trainSubset: o.trainSubset, testSubset: o.testSubset };
  c.training = { ...c.training, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed };
  Object.assign(c.model, model);
  return c;
}

/** The environment a run records when it starts (`markRunning`), on `backend`, for runs a test writes by hand. */
export const testEnvironment = (backend = 'wasm'): Environment => ({
  studioVersion: '0.1.0',
  node: process.versions.node,
  electron: null,
  tfjs: '4.22.0',
  backend: { name: backend, version: '4.22.0', gpu: false, reason: `${backend}: asked for` },
  os: 'Linux',
  cpu: 'cpu',
  cpuCount: 2,
  seed: 1,
  configHash: 'h',
  datasetHash: 'd',
});

/**
 * The tests' built worker and CLI. Every test suite starts hundreds of workers and CLI processes, and each one
 * started through tsx spends about 2 s of CPU compiling and resolving before it does anything (a third of that
 * built): so the suites build both once per run with esbuild (a second), name them in the environment, and every
 * process they start runs them as Node runs any script. A plug-in family needs the TypeScript ones (see
 * forkLauncher), and gets them.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { familyModules } from '../src/families/family-modules';
import { workerBundleVariable } from '../src/core/training/fork-launcher';
import { processAlive as alive } from '../src/ml/process-alive';

const root = join(import.meta.dirname, '..');

/** The CLI a test starts: package.json's bin, as a user's shell starts it. */
export const binCli = join(root, 'bin', 'latent-studio.mjs');

/** Where the tests' built CLI is, when they built one. */
export const cliBundleVariable = 'LATENT_STUDIO_TEST_CLI';

/** The CLI for a process started with `env`: the built one, unless it names plug-in families. */
export function cliFor(env: NodeJS.ProcessEnv = process.env): string {
  const built = env[cliBundleVariable];
  return built && familyModules(env).length === 0 ? built : binCli;
}

/**
 * Builds the worker and the CLI into a folder of their own under node_modules/.cache (inside the studio's folder,
 * which is how the built code finds package.json, the renderer and bin/), names them in this process's
 * environment for the processes it starts, and returns a function that removes them.
 */
export async function buildTestBundles(): Promise<() => void> {
  const parent = join(root, 'node_modules', '.cache', 'latent-studio-tests');
  mkdirSync(parent, { recursive: true });
  // What runs that were killed before their teardown left.
  for (const pid of readdirSync(parent, { withFileTypes: true }).map((d) => d.name)) {
    if (!alive(Number(pid))) rmSync(join(parent, pid), { recursive: true, force: true });
  }
  const dir = join(parent, String(process.pid));
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  } as const;
  const worker = join(dir, 'worker.mjs');
  const cli = join(dir, 'cli.mjs');
  await Promise.all([
    build({ ...common, entryPoints: [join(root, 'src', 'core', 'worker', 'main.ts')], outfile: worker }),
    build({
      ...common,
      stdin: {
        contents: "import { main } from './src/cli/main.ts';\nawait main(process.argv.slice(2));\n",
        resolveDir: root,
        sourcefile: 'cli-entry.ts',
        loader: 'ts',
      },
      outfile: cli,
    }),
  ]);
  process.env[workerBundleVariable] = worker;
  process.env[cliBundleVariable] = cli;
  return () => rmSync(dir, { recursive: true, force: true });
}

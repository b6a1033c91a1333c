import { configDefaults, defineConfig } from 'vitest/config';
import { LongestFirst } from './tests/sequencer';

/** The long tier's Slurm tests, run after the rest and one file at a time (vitest.slurm.config.ts). */
export const slurmTests = ['tests/slurm/**/*.test.ts'];

/**
 * Tests that CI runs after `npm test` (`npm run test:long`, 16 minutes on a slow two-core machine): the Slurm tests against
 * a real cluster, and the longest end-to-end tests (ten SIGKILLs of a worker and of a whole studio, each resumed,
 * held at chosen steps by the step gate; fault injection; the CLI's commands and sweep; the VQ-VAE's learned prior;
 * every preset for one epoch; every family learning; the longest of the rest, listed last). Science at full size is in `npm run acceptance`
 * (bench/acceptance.ts), never in CI.
 */
export const longTests = [
  ...slurmTests,
  'tests/integration/resume.test.ts',
  'tests/integration/faults.test.ts',
  'tests/integration/sweep.test.ts',
  // Hyperband's real sweep, and a bayes sweep whose studio is killed and resumed.
  'tests/integration/adaptive-sweep.test.ts',
  // The second zoo's families, each with its own check, and the disentanglement study at its smallest (12 runs, each evaluated).
  'tests/integration/second-zoo.test.ts',
  'tests/integration/zoo-resume.test.ts',
  // WebGPU on this machine's adapter (llvmpipe here, allowed for the test), against wasm; resumed, exported, explored.
  'tests/integration/webgpu.test.ts',
  'tests/integration/study.test.ts',
  'tests/integration/cli.test.ts',
  // npm start without a display: the build if the renderer is stale, then the headless host.
  'tests/integration/npm-start.test.ts',
  'tests/integration/prior.test.ts',
  // About 15 s: the memory estimate against wasm's heap after real steps of models up to 1.5 GiB.
  'tests/integration/memory-estimate.test.ts',
  // About 70 s: every preset of every family trains one epoch.
  'tests/integration/presets.test.ts',
  // About 200 s: every family learns on real MNIST (the longest file; here it runs beside the others).
  'tests/integration/families.test.ts',
  // The longest of the rest (20 to 40 s each on two cores), here to hold `npm test` within 12 minutes on a slow
  // machine: the job table's kills and limits, the evaluations, the scheduler's restarts, the engine's options
  // end to end, sampling and the explorer's sessions.
  'tests/integration/jobs.test.ts',
  'tests/integration/evaluation.test.ts',
  'tests/integration/scheduler.test.ts',
  'tests/integration/training-options.test.ts',
  'tests/integration/sample.test.ts',
  'tests/integration/explorer.test.ts',
  // The CLI's refusals, one process each (about 30 s), likewise.
  'tests/integration/cli-refusals.test.ts',
  // The next longest (10 to 25 s each on two cores), moved here when `npm test` took 689 s of its 720 on a slow
  // machine: the fuzzed host, the data sets' life, the families' epoch logs and every loss of every family, the
  // trainer end to end, and the coded families' views.
  'tests/integration/host-fuzz.test.ts',
  'tests/integration/datasets.test.ts',
  'src/families/epoch-leaks.test.ts',
  'src/families/every-loss.test.ts',
  'tests/integration/training.test.ts',
  'tests/integration/codes-families.test.ts',
];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    // The long tier (`npm run test:long`, vitest.long.config.ts), which CI runs after `npm test`.
    exclude: [...configDefaults.exclude, ...longTests],
    environment: 'node',
    // The built worker and CLI that the tests' processes run (tests/bundles.ts).
    globalSetup: ['tests/global-setup.ts'],
    // Two test files at a time: each training worker runs wasm on one thread (the scheduler's share of
    // two cores under its default limit of two), so two files keep both cores busy without oversubscribing.
    fileParallelism: true,
    maxWorkers: 2,
    // The longest files first (tests/durations.json), so neither core idles at the end.
    sequence: { sequencer: LongestFirst },
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});

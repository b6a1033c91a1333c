import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that CI runs after `npm test` (`npm run test:long`), which keeps `npm test` within 15 minutes on two
 * cores: the Slurm tests against a real cluster, and the longest end-to-end tests (ten SIGKILLs of a worker and
 * of a whole studio, each resumed; fault injection; the CLI's commands and sweep; the VQ-VAE's learned prior; the
 * evaluation issue's MNIST clustering figures at full size and its Shapes disentanglement comparison).
 */
export const longTests = [
  'tests/slurm/**/*.test.ts',
  'tests/integration/resume.test.ts',
  'tests/integration/faults.test.ts',
  'tests/integration/sweep.test.ts',
  'tests/integration/cli.test.ts',
  'tests/integration/prior.test.ts',
  // About 70 s: every preset of every family trains one epoch (moved here to keep `npm test` clear of 15 minutes).
  'tests/integration/presets.test.ts',
  // About 35 minutes: DEC's autoencoder on all of MNIST for 30 epochs, then its codes clustered and probed.
  'tests/integration/evaluation-mnist.test.ts',
  // About 12 minutes: a β-VAE and a plain AE on 20,000 Shapes images, and their disentanglement scores.
  'tests/integration/disentanglement-shapes.test.ts',
];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    // The long tier (`npm run test:long`, vitest.long.config.ts), which CI runs after `npm test`.
    exclude: [...configDefaults.exclude, ...longTests],
    environment: 'node',
    // Two test files at a time: each training worker runs wasm on one thread (the scheduler's share of
    // two cores under its default limit of two), so two files keep both cores busy without oversubscribing.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});

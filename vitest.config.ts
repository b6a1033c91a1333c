import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // tests/slurm (a real single-node Slurm cluster, started as root) run by `npm run test:cluster`.
    include: ['src/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    environment: 'node',
    // Two test files at a time: each training worker runs wasm on one thread (the scheduler's share of
    // two cores under its default limit of two), so two files keep both cores busy without oversubscribing.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});

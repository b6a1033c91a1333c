import { defineConfig } from 'vitest/config';
import base, { longTests } from './vitest.config';

/**
 * `npm run test:long`: the tests CI runs after `npm test` (see `longTests`). One file at a time: a Slurm test
 * starts a cluster that believes it has every core, and the kill-and-resume tests time their kills.
 */
export default defineConfig({
  test: { ...base.test, include: longTests, exclude: [], fileParallelism: false, maxWorkers: 1 },
});

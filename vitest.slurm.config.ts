import { defineConfig } from 'vitest/config';
import base, { slurmTests } from './vitest.config';

/**
 * `npm run test:long` (second half): the Slurm tests, one file at a time, since each starts a single-node cluster
 * that believes it has every core.
 */
export default defineConfig({
  test: { ...base.test, include: slurmTests, exclude: [], fileParallelism: false, maxWorkers: 1 },
});

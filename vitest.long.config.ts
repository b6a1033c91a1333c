import { defineConfig } from 'vitest/config';
import base, { longTests, slurmTests } from './vitest.config';

/**
 * `npm run test:long` (first half): the long tier but for Slurm, two files at a time like `npm test`. The tests
 * that kill or close something hold the worker at a step they choose (the step gate), so a neighbour's load
 * does not move their moment.
 */
export default defineConfig({
  test: { ...base.test, include: longTests.filter((t) => !slurmTests.includes(t)), exclude: [] },
});

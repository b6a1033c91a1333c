import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * `npm run test:cluster`: the tests against a real single-node Slurm cluster that tests/slurm/cluster.ts starts
 * (as root, Debian's slurm-wlm and munge; skipped, saying why, where they cannot run). CI runs them after `npm test`.
 * One file at a time: each starts its own cluster, and a cluster believes it has every core.
 */
export default mergeConfig(
  base,
  defineConfig({ test: { include: ['tests/slurm/**/*.test.ts'], fileParallelism: false, maxWorkers: 1 } }),
);

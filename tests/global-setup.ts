import { buildTestBundles } from './bundles';

/** Vitest's and Playwright's global setup: the built worker and CLI every test's processes run (tests/bundles.ts). */
export default async function setup(): Promise<() => void> {
  return buildTestBundles();
}

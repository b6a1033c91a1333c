import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './tests/e2e/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  // The long ones (a study of twelve runs, each evaluated) run in `npm run test:long`: playwright.long.config.ts.
  testIgnore: '**/*.long.spec.ts',
  // The built worker and CLI that the hosts run (tests/bundles.ts).
  globalSetup: './tests/global-setup.ts',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  // Two spec files at a time: each starts its own host (own database, own port), and much of a spec's time is
  // the browser and the host waiting on each other, so two keep both cores busy.
  workers: 2,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    viewport: { width: 1440, height: 900 },
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
});

import { defineConfig } from '@playwright/test';
import base from './playwright.config';

/** `npm run test:long`'s browser tests: the specs too long for `npm test` (*.long.spec.ts). */
export default defineConfig({ ...base, testIgnore: [], testMatch: '**/*.long.spec.ts', timeout: 600_000 });

import { expect, test } from '@playwright/test';
import { bundledWorker, smallVae, trainWith } from './bundled-worker';

/**
 * The worker bundle the Electron app starts (out/main/worker.js, through utilityProcess.fork) cannot run here under
 * Electron, whose binary is not installed: Node runs the same script, which is what a bundling fault breaks (an
 * ES module declaring `require` twice did not load at all).
 */
test('the bundled worker trains a VAE as the TypeScript worker does', async () => {
  const config = smallVae('wasm');
  const bundled = await trainWith(config, bundledWorker);
  expect(bundled.status, bundled.error ?? '').toBe('completed');
  const source = await trainWith(config, undefined);
  expect(source.status, source.error ?? '').toBe('completed');
  console.log(`bundled worker: test loss ${bundled.loss} on ${bundled.reason}; TypeScript worker: ${source.loss}`);
  expect(bundled.backend).toBe('wasm');
  expect(Number.isFinite(bundled.loss)).toBe(true);
  expect(bundled.loss).toBe(source.loss);
});

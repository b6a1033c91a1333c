import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { bundledWorker, smallVae, trainWith } from './bundled-worker';
import { expectRunEnded, startHost, type RunningHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let dir = '';
let host: RunningHost | undefined;
// The software adapter (llvmpipe here) is allowed for this host's workers, as a machine with a GPU needs nothing.
test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-'));
  host = await startHost(join(dir, 'studio.db'), [], { ...process.env, LATENT_STUDIO_ALLOW_SOFTWARE_GPU: '1' });
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startRun(page: Page, gpuAdapter: string) {
  await page.getByTestId('new-run').click();
  await page.getByTestId('field-family').selectOption('vae');
  await page.getByTestId('preset').selectOption('vae-784-400-20');
  await page.getByTestId('field-dataset.trainSubset').fill('640');
  await page.getByTestId('field-dataset.testSubset').fill('200');
  await page.getByTestId('field-training.epochs').fill('1');
  await page.getByTestId('field-backend').selectOption('webgpu');
  await page.getByTestId('field-gpuAdapter').fill(gpuAdapter);
  await page.getByTestId('start-run').click();
  await expectRunEnded(page, host!, 180_000);
}

test('a run on webgpu names its adapter; a config naming an adapter the machine lacks falls back and says why', async ({
  page,
}) => {
  await page.goto(host!.url);
  await startRun(page, 'llvmpipe');
  await expect(page.getByTestId('run-backend')).toHaveText('webgpu');
  await expect(page.getByTestId('run-adapter')).toContainText(/llvmpipe.*\(software\)/);
  await expect(page.getByTestId('run-gpu-adapter')).toContainText(/a software adapter.*through Dawn's OpenGL/s);
  await page.screenshot({ path: join(shots, '60-webgpu-run-header.png') });
  await page.getByTestId('run-gpu-adapter').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '61-webgpu-environment.png') });

  await startRun(page, 'Radeon');
  await expect(page.getByTestId('run-backend')).toHaveText('wasm');
  await expect(page.getByTestId('run-adapter')).toHaveCount(0);
  await expect(page.getByTestId('run-backend')).toHaveAttribute('title', /no adapter's name contains "Radeon"/);
});

test('the bundled worker (what Electron starts) trains on webgpu as the TypeScript worker does', async () => {
  process.env['LATENT_STUDIO_ALLOW_SOFTWARE_GPU'] = '1';
  try {
    const config = smallVae('webgpu');
    const bundled = await trainWith(config, bundledWorker);
    expect(bundled.status, bundled.error ?? '').toBe('completed');
    const source = await trainWith(config, undefined);
    console.log(`bundled worker: test loss ${bundled.loss} on ${bundled.reason}; TypeScript worker: ${source.loss}`);
    expect([bundled.backend, source.backend]).toEqual(['webgpu', 'webgpu']);
    expect(bundled.reason).toMatch(/WebGPU through Dawn on /);
    expect(Number.isFinite(bundled.loss)).toBe(true);
    expect(bundled.loss).toBe(source.loss);
  } finally {
    delete process.env['LATENT_STUDIO_ALLOW_SOFTWARE_GPU'];
  }
});

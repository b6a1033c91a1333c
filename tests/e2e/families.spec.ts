import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startHost, type RunningHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let dir: string;
let host: RunningHost | undefined;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-'));
  host = await startHost(join(dir, 'studio.db'));
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a VAE with a 2-D latent shows its signature views', async ({ page }) => {
  if (!host) throw new Error('host not started');
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('vae');
  await page.getByTestId('preset').selectOption('vae-2d-latent');
  await expect(page.getByTestId('field-model.latentSize')).toHaveValue('2');
  await expect(page.getByTestId('field-training.loss')).toHaveValue('bce');
  await page.getByTestId('field-dataset.trainSubset').fill('4000');
  await page.getByTestId('field-training.epochs').fill('2');
  await page.getByTestId('model-card').screenshot({ path: join(shots, '10-vae-composer.png') });
  await page.getByTestId('start-run').click();

  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('completed', { timeout: 150_000 });
  for (const view of ['reconstructions', 'latent-traversal', 'prior-samples', 'interpolation', 'manifold']) {
    await expect(page.getByTestId(view).locator('img')).toBeVisible();
    await expect(page.getByTestId(view).locator('img')).toHaveAttribute('data-epoch', '2');
  }
  await expect(page.getByTestId('latent-scatter')).toBeVisible();
  await expect(page.getByTestId('kl-per-dim')).toBeVisible();
  expect(Number(await page.getByTestId('metric-kl').textContent())).toBeGreaterThan(0);
  expect(Number(await page.getByTestId('metric-neg-elbo').textContent())).toBeGreaterThan(0);

  await page.getByTestId('parts-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '11-vae-metrics.png') });
  await page.getByTestId('latent-traversal').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '12-vae-views.png') });
  await page.getByTestId('latent-scatter').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '13-vae-manifold-scatter.png') });
});

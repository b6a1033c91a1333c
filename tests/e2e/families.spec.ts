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

test('sparse, denoising and conditional models show their signature views', async ({ page }) => {
  if (!host) throw new Error('host not started');
  await page.goto(host.url);
  const runs: [family: string, preset: string, views: string[], shot: string][] = [
    ['sparse-ae', 'sparse-ae-mnist', ['code-histogram', 'first-layer-features'], '14-sparse-views.png'],
    ['denoising-ae', 'denoising-salt-pepper-0.2', ['denoising'], '15-denoising-views.png'],
    ['vq-vae', 'vq-vae-mlp', ['code-usage', 'reconstructions'], '17-vq-vae-code-usage.png'],
    [
      'stacked-ae',
      'stacked-ae-784-256-64',
      ['metric-accuracy-pretrained', 'metric-accuracy-scratch'],
      '19-stacked-ae-accuracies.png',
    ],
    ['deepfake', 'deepfake-digits-3-8', ['swap-a', 'swap-b'], '18-deepfake-swap.png'],
    ['cvae', 'cvae-mnist', ['class-samples', 'latent-traversal', 'interpolation'], '16-cvae-class-samples.png'],
  ];
  for (const [family, preset, views, shot] of runs) {
    await page.getByTestId('new-run').click();
    await page.getByTestId('field-family').selectOption(family);
    await page.getByTestId('preset').selectOption(preset);
    await page.getByTestId('field-dataset.trainSubset').fill('3000');
    await page.getByTestId('field-training.epochs').fill('1');
    if (family === 'sparse-ae') await page.getByTestId('model-card').screenshot({ path: join(shots, '14a-sparse-form.png') });
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('completed', { timeout: 120_000 });
    for (const view of views) await expect(page.getByTestId(view)).toBeVisible();
    await page.getByTestId(views[0] as string).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, shot) });
  }
});

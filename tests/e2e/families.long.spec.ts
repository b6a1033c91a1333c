import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { expectRunEnded, hostPerFile, startHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('a preset brings the training loss its weights are scaled to, and the next preset its own', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('wae-mmd');
  await expect(page.getByTestId('field-training.loss')).toHaveValue('mse');
  await page.getByTestId('preset').selectOption('infovae-mmd');
  await expect(page.getByTestId('field-model.lambda')).toHaveValue('1000');
  await expect(page.getByTestId('field-training.loss')).toHaveValue('bce');
  await page.getByTestId('preset').selectOption('wae-mmd-mnist');
  await expect(page.getByTestId('field-model.lambda')).toHaveValue('200');
  await expect(page.getByTestId('field-training.loss')).toHaveValue('mse');
});

test('a VAE with a 2-D latent shows its signature views', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('vae');
  await page.getByTestId('preset').selectOption('vae-2d-latent');
  await expect(page.getByTestId('field-model.latentSize')).toHaveValue('2');
  await expect(page.getByTestId('field-training.loss')).toHaveValue('bce');
  await page.getByTestId('field-dataset.trainSubset').fill('4000');
  await page.getByTestId('field-training.epochs').fill('2');
  await page.getByTestId('model-card').screenshot({ path: join(shots, '10-vae-composer.png') });
  await page.getByTestId('start-run').click();

  await expectRunEnded(page, host, 150_000);
  for (const view of ['reconstructions', 'latent-traversal', 'prior-samples', 'interpolation', 'manifold']) {
    await expect(page.getByTestId(view).locator('img')).toBeVisible();
    await expect(page.getByTestId(view).locator('img')).toHaveAttribute('data-epoch', '2');
  }
  await expect(page.getByTestId('latent-scatter')).toBeVisible();
  await expect(page.getByTestId('kl-per-dim')).toBeVisible();
  expect(Number(await page.getByTestId('metric-kl').textContent())).toBeGreaterThan(0);
  expect(Number(await page.getByTestId('metric-neg-elbo').textContent())).toBeGreaterThan(0);

  // The VAE's metric views come from its spec's declarations: the ELBO's parts and the KL per dimension.
  await expect(page.getByTestId('elbo-parts')).toBeVisible();
  await expect(page.getByTestId('kl-per-dim').locator('canvas')).toBeVisible();
  // Its bars drawn, one a dimension (the chart was left empty where the run's figures came before the chart).
  await expect(page.getByTestId('kl-per-dim')).toHaveAttribute('data-bars', '2');
  await expect(page.getByTestId('elbo-parts')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('metric-active-units')).toHaveText(/^\d+ \/ 2$/);
  await page.getByTestId('elbo-parts').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '11-vae-metrics.png') });
  await page.getByTestId('latent-traversal').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '12-vae-views.png') });
  await page.getByTestId('latent-scatter').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '13-vae-manifold-scatter.png') });
});

test('sparse, denoising and conditional models show their signature views', async ({ page }) => {
  const host = theHost();
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
    await page.getByTestId('field-dataset.trainSubset').fill('600');
    await page.getByTestId('field-training.epochs').fill('1');
    if (family === 'sparse-ae') await page.getByTestId('model-card').screenshot({ path: join(shots, '14a-sparse-form.png') });
    await page.getByTestId('start-run').click();
    await expectRunEnded(page, host, 120_000);
    for (const view of views) await expect(page.getByTestId(view)).toBeVisible();
    // Titles from the family's declarations (the sparse AE's histogram is a chart artifact).
    if (family === 'sparse-ae') {
      await expect(page.getByTestId('code-histogram')).toContainText('Code activations');
      await expect(page.getByTestId('code-histogram').locator('canvas')).toBeVisible();
      await expect(page.getByTestId('metric-code-zero-share')).toHaveText(/%$/);
    }
    // The MSE the baseline's ratio divides is shown beside it: for the denoiser, whose loss is scored on noisy
    // inputs, apart from its test loss (the ratio's figure was shown nowhere).
    if (family === 'denoising-ae') {
      const figure = async (id: string) => Number((await page.getByTestId(id).textContent())?.replace('%', ''));
      const mse = await figure('metric-test-mse');
      const baseline = await figure('metric-baseline-mse');
      const ratio = await figure('metric-baseline-ratio');
      expect(Math.abs((100 * mse) / baseline - ratio)).toBeLessThan(0.2);
    }
    // The stacked AE's loss chart marks where each phase begins (3 pretraining epochs a layer): its train loss
    // measures layer 2's own reconstruction after epoch 3, and the whole stack's after 6.
    if (family === 'stacked-ae') {
      await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-marks', '3:layer 2 · 6:fine-tuning');
      await page.getByTestId('loss-chart').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(shots, '19a-stacked-ae-phases.png') });
    } else await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-marks', '');
    // A family without one code per image says so where the Explore button would be; the others explore.
    if (family === 'vq-vae') await expect(page.getByTestId('no-explorer')).toContainText('not one vector per image');
    else await expect(page.getByTestId('explore-run')).toBeVisible();
    await page.getByTestId(views[0] as string).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, shot) });
  }

  // Six families in one table: the loss is per image in the CVAE and per pixel in the others, and its column says so.
  await page.goto(`${host.origin}/#/table`);
  const loss = page.locator('[data-testid="sort-column"][data-column="metric:test.loss"]');
  await expect(loss.getByTestId('column-mixed-units')).toBeVisible();
  await expect(loss).toHaveAttribute('title', /^test\.loss.* \(⚠ mixed units: .*per image/);
  await expect(loss).toHaveAttribute('title', /per pixel/);
  await expect(page.locator('[data-column="metric:test.kl"]').getByTestId('column-mixed-units')).toHaveCount(0);
  await loss.scrollIntoViewIfNeeded();
  await loss.hover();
  await page.screenshot({ path: join(shots, '99-table-mixed-units.png') });
  // The same in a comparison of two of them: the curves of the loss say so.
  const ids = await page.getByTestId('runs-table-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
  await page.goto(`${host.origin}/#/compare?runs=${ids.slice(0, 2).join(',')}`);
  await page.getByTestId('compare-metric').selectOption('test.loss');
  await expect(page.getByTestId('compare-curves-units')).toContainText('mixed units');
  await page.getByTestId('compare-curves').screenshot({ path: join(shots, '99a-compare-mixed-units.png') });
});

test('the β-TC-VAE form offers its q(z) estimator: stratified sampling for a new run, weighted sampling by choice', async ({
  page,
}) => {
  await page.goto(theHost().url);
  await page.getByTestId('new-run').click();
  await page.getByTestId('field-family').selectOption('beta-tc-vae');
  const estimator = page.getByTestId('field-model.estimator');
  await expect(estimator).toHaveValue('mss');
  await expect(estimator.locator('option')).toHaveText([
    '– minibatch weighted sampling (MWS)',
    'minibatch weighted sampling (MWS)',
    'minibatch stratified sampling (MSS)',
  ]);
  // Left empty (withProperty drops ''), the field is absent from the config: MWS, as for runs from before the choice.
  const saved = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-config').click()]);
    return (JSON.parse(readFileSync(await download.path(), 'utf8')) as { model: Record<string, unknown> }).model;
  };
  await estimator.selectOption('');
  expect(await saved()).not.toHaveProperty('estimator');
  await expect(page.getByTestId('error-model.estimator')).toHaveCount(0);
  await estimator.selectOption('mws');
  expect(await saved()).toHaveProperty('estimator', 'mws');
  await estimator.scrollIntoViewIfNeeded();
  await page.getByTestId('model-card').screenshot({ path: join(shots, '14b-beta-tc-vae-form.png') });
});

test('a family registered from one folder (a test fixture) is configured in the new-run form, trains and shows its declared metrics and views', async ({
  page,
}) => {
  // Only this host knows the fixture: LATENT_STUDIO_FAMILY_MODULES names its registry lines, the host and its
  // workers import them; the form renders its model from the JSON Schema `families.list` hands the renderer, and the
  // run view draws it from the family's declarations.
  const fixtureDir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-fixture-'));
  const fixture = join(import.meta.dirname, '..', 'integration', 'fixture-family', 'index.ts');
  const own = await startHost(join(fixtureDir, 'studio.db'), [], {
    ...process.env,
    LATENT_STUDIO_FAMILY_MODULES: fixture,
  });
  try {
    await page.goto(own.url);
    await page.getByTestId('field-family').selectOption('tied-ae-fixture');
    // Its default model and its own training default (BCE) arrive with it.
    await expect(page.getByTestId('field-model.codeSize')).toHaveValue('16');
    await expect(page.getByTestId('field-training.loss')).toHaveValue('bce');
    await expect(page.getByTestId('preset').locator('option')).toHaveText(['Choose a preset…', 'tied-ae-fixture-16']);
    await page.getByTestId('field-dataset.trainSubset').fill('2000');
    await page.getByTestId('field-dataset.testSubset').fill('500');
    await page.getByTestId('field-training.epochs').fill('2');
    await page.getByTestId('field-training.learningRate').fill('0.002');
    await page.getByTestId('field-backend').selectOption('wasm');
    // This renderer has no code of the family: its model is checked by the studio, which names the field.
    await page.getByTestId('field-model.codeSize').fill('999');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('error-model.codeSize')).toContainText('model.codeSize');
    await page.screenshot({ path: join(shots, '28-fixture-family-form.png') });
    await page.getByTestId('field-model.codeSize').fill('12');
    await page.getByTestId('start-run').click();
    await expect(page.getByTestId('run-view')).toBeVisible();
    await expectRunEnded(page, own, 120_000);
    await expect(page.getByTestId('tied-filters')).toContainText('Tied filters (columns of W)');
    await expect(page.getByTestId('tied-filters').locator('img')).toHaveAttribute('data-epoch', '2');
    await expect(page.getByTestId('code-means').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('metric-dead-units')).toHaveText(/^\d+ \/ 12$/);
    await page.getByTestId('code-means').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, '26-fixture-family-metrics.png') });
    await page.getByTestId('tied-filters').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, '27-fixture-family-views.png') });
  } finally {
    await own.stop();
    rmSync(fixtureDir, { recursive: true, force: true });
  }
});

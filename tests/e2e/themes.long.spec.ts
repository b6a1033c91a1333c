/**
 * The light and the dark theme: the studio follows the system's setting until the toggle chooses, and every view
 * is drawn in both (the screenshots are looked at; see the closing notes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, startHost, type RunningHost } from './host';
import { settled } from './settled';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots', 'themes');
let dir = '';
let host: RunningHost;
let runId = 0;
let sweepId = 0;
let sweepRuns: number[] = [];

test.beforeAll(async () => {
  test.setTimeout(300_000);
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-'));
  host = await startHost(join(dir, 'studio.db'));
  const config = await callHost<Record<string, Record<string, unknown>>>(host, 'presets.get', { name: 'beta-vae-4' });
  const small = {
    ...config,
    dataset: { name: 'mnist', trainSubset: 512, testSubset: 256 },
    training: { ...config['training'], epochs: 2 },
  };
  runId = (
    await callHost<{ runId: number }>(host, 'runs.start', {
      config: { ...small, name: 'vae β 4, the reference for the second figure' },
    })
  ).runId;
  const sweep = await callHost<{ sweepId: number; runs: { runId: number }[] }>(host, 'sweeps.create', {
    // Judged on its loss, which β defines: the views say those losses are not on one scale.
    spec: {
      name: 'β grid',
      method: 'grid',
      base: small,
      metric: { name: 'test.loss', goal: 'minimize' },
      parameters: { 'model.beta': { values: [0.5, 8] } },
    },
  });
  sweepId = sweep.sweepId;
  sweepRuns = sweep.runs.map((r) => r.runId);
  await expect
    .poll(async () => (await callHost<{ status: string }[]>(host, 'runs.list', {})).every((r) => r.status === 'completed'), {
      timeout: 240_000,
    })
    .toBe(true);
  // Labelled, so that every view shows its labels in both themes.
  await callHost(host, 'runs.label', { runId, tags: ['baseline', 'fig-2'], starred: true, notes: 'The reference run.' });
  await callHost(host, 'sweeps.label', { sweepId, tags: ['ablation'], starred: true });
});
test.afterAll(async () => {
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the theme follows the system until the toggle chooses, and the choice survives a reload', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(host.url);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  // The system turns dark (at dusk) while a run is being set up: what was typed stays.
  await page.getByTestId('field-name').fill('half-filled');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('field-name')).toHaveValue('half-filled');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(await background()).toBe('rgb(21, 23, 26)');
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await background()).toBe('rgb(245, 246, 248)');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'light');
  // Toggled back to the system's dark, it follows the system again: at dawn, light.
  await page.getByTestId('theme-toggle').click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByTestId('theme-toggle')).toHaveAttribute('title', /the system's \(dark\)/);
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
});

for (const theme of ['dark', 'light'] as const) {
  test(`every view in the ${theme} theme`, async ({ page }) => {
    test.setTimeout(120_000);
    // Tall enough for a whole view: the main pane scrolls inside the window, which a full-page screenshot does not see.
    await page.setViewportSize({ width: 1400, height: 2000 });
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(host.url);
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    const views: [string, string, string][] = [
      ['new', '#/new', 'start-run'],
      ['run', `#/runs/${runId}`, 'run-view'],
      ['explore', `#/runs/${runId}/explore`, 'projector-canvas'],
      ['sweep-form', '#/sweeps/new', 'sweep-name'],
      ['table', '#/table', 'runs-table-view'],
      ['sweep', `#/sweeps/${sweepId}`, 'runs-table-view'],
      ['compare', `#/compare?runs=${[runId, ...sweepRuns].join(',')}`, 'compare-view'],
      ['datasets', '#/datasets/mnist', 'datasets-view'],
    ];
    for (const [name, hash, testId] of views) {
      // Opened cold: a reload of the address, not a move from the view before.
      await page.goto(`${host.origin}/${hash}`);
      await page.reload();
      await expect(page.getByTestId(testId).first()).toBeVisible({ timeout: 30_000 });
      // Charts and images arrive after the view: until they have drawn.
      await settled(page);
      await page.screenshot({ path: join(shots, `${theme}-${name}.png`) });
    }
  });
}

test('a loss column of runs with different β says their losses are not on one scale; the −ELBO’s does not', async ({ page }) => {
  // All runs: the β-VAE preset's (β 4) and the sweep's (0.5 and 8).
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/table`);
  const loss = page.locator('[data-testid="sort-column"][data-column="metric:test.loss"]');
  await expect(loss.getByTestId('column-mixed-units')).toBeVisible({ timeout: 30_000 });
  await expect(loss).toHaveAttribute('title', /the loss is defined by β \(KL weight\), which differs between these runs/);
  await expect(page.locator('[data-column="metric:test.neg_elbo"]').getByTestId('column-mixed-units')).toHaveCount(0);
  await loss.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '113-table-loss-beta.png') });
  // Compared, the loss's curves say it too.
  await page.goto(`${host.origin}/#/compare?runs=${sweepRuns.join(',')}`);
  await page.getByTestId('compare-metric').selectOption('test.loss');
  await expect(page.getByTestId('compare-curves-units')).toContainText('the loss is defined by β');
  await page.getByTestId('compare-metric').selectOption('test.neg_elbo');
  await expect(page.getByTestId('compare-curves-units')).toHaveCount(0);
  await page.getByTestId('compare-metric').selectOption('test.loss');
  await page.getByTestId('compare-curves').screenshot({ path: join(shots, '113a-compare-loss-beta.png') });
  // So does the sweep's chart of the best loss so far.
  await page.goto(`${host.origin}/#/sweeps/${sweepId}`);
  await expect(page.getByTestId('sweep-best-units')).toContainText('the loss is defined by β');
  await page.getByTestId('sweep-search-charts').screenshot({ path: join(shots, '113b-sweep-loss-beta.png') });
});

test('labels show where runs and sweeps are listed: the sidebar, the comparison’s images and its lightbox', async ({ page }) => {
  await page.goto(host.url);
  const sweepItem = page.locator(`[data-testid="sweep-item"][data-sweep-id="${sweepId}"]`);
  await expect(sweepItem.getByTestId('mark-star')).toHaveCount(1);
  await expect(sweepItem.getByTestId('mark-tag')).toHaveText(['ablation']);
  const rows = page.getByTestId('runs-list').getByTestId('run-row');
  const labelled = rows.and(page.locator(`[data-run-id="${runId}"]`));
  await expect(labelled.getByTestId('mark-star')).toHaveCount(1);
  await expect(labelled.getByTestId('mark-tag')).toHaveText(['baseline', 'fig-2']);
  // In view beside a long name: the first tag's box ends within the row's.
  const within = await labelled.evaluate((row) => {
    const tag = row.querySelector('[data-testid="mark-tag"]')?.getBoundingClientRect();
    return tag !== undefined && tag.right <= row.getBoundingClientRect().right;
  });
  expect(within).toBe(true);
  await expect(labelled.getByRole('button')).toHaveAttribute('title', /The reference run\./);
  // The sweep's runs carry no labels of their own.
  await expect(rows.getByTestId('mark-star')).toHaveCount(1);

  await page.goto(`${host.origin}/#/compare?runs=${[runId, ...sweepRuns].join(',')}`);
  const tiles = page.getByTestId('compare-tile');
  await expect(tiles).toHaveCount(3);
  const tile = tiles.and(page.locator(`[data-run-id="${runId}"]`));
  await expect(tile.getByTestId('mark-star')).toHaveCount(1);
  await expect(tile.getByTestId('mark-tag')).toHaveText(['baseline', 'fig-2']);
  await expect(tiles.getByTestId('mark-tag')).toHaveCount(2);
  await page.getByTestId('compare-images').screenshot({ path: join(shots, 'compare-images-labels.png') });
  await tile.getByTitle('Enlarge').click();
  await expect(page.getByRole('dialog')).toHaveAttribute('aria-label', new RegExp(`^★ #${runId} .* · baseline, fig-2$`));
  await page.keyboard.press('Escape');
  await page.goto(host.url);
  await page.locator('aside').screenshot({ path: join(shots, 'sidebar-labels.png') });
});

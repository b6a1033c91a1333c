import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectRunEnded, startHost, type RunningHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

let dir: string;
let host: RunningHost | undefined;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-'));
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Records what the user sees change over time: progress bar value and number of chart points. */
async function watchLiveViews(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { seen: { progress: number[]; points: number[]; images: string[] } };
    w.seen = { progress: [], points: [], images: [] };
    setInterval(() => {
      const bar = document.querySelector('[role=progressbar]');
      if (bar) w.seen.progress.push(Number(bar.getAttribute('aria-valuenow')));
      const chart = document.querySelector('[data-testid=loss-chart]');
      if (chart) w.seen.points.push(Number(chart.getAttribute('data-points')));
      const img = document.querySelector('[data-testid=reconstructions] img');
      if (img) w.seen.images.push(img.getAttribute('data-epoch') ?? '');
    }, 40);
  });
}

async function fill(page: Page, field: string, value: string): Promise<void> {
  await page.getByTestId(`field-${field}`).fill(value);
  await page.getByTestId(`field-${field}`).blur();
}

async function configureRun(page: Page, name: string, latent: string, subset: string): Promise<void> {
  await page.getByTestId('new-run').click();
  await fill(page, 'name', name);
  await fill(page, 'model.latentSize', latent);
  await fill(page, 'dataset.trainSubset', subset);
  await fill(page, 'dataset.testSubset', '1000');
  await fill(page, 'training.epochs', '1');
  await fill(page, 'training.learningRate', '0.002');
}

test('a new user trains a deep AE on MNIST, restarts the studio and compares runs', async ({ page }) => {
  host = await startHost(join(dir, 'studio.db'));
  await page.goto(host.url);
  await expect(page.getByTestId('backend')).toContainText('wasm');

  // A bad value is refused in the form, naming the field, and nothing is started.
  await configureRun(page, 'bad latent', '0', '6000');
  await expect(page.getByTestId('error-model.latentSize')).toContainText('model.latentSize');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('form-errors')).toContainText('model.latentSize');
  await page.screenshot({ path: join(shots, '01-refused-config.png') });

  // The composer: a layer added to the encoder shows its output shape; a reshape that does not fit is refused by name.
  const encoder = page.getByTestId('stack-model.encoder');
  await page.getByTestId('add-layer-model.encoder').click();
  await expect(encoder.getByTestId('layer')).toHaveCount(3);
  await fill(page, 'model.encoder[2].units', '32');
  await fill(page, 'model.latentSize', '16');
  await expect(encoder.getByTestId('layer-shape').nth(2)).toHaveText('→ 32');
  // Beside the parameter count, what training would take, against what this machine allows a run.
  await expect(page.getByTestId('memory-estimate')).toContainText(/≈ [\d.]+ MiB to train of [\d.]+ GiB/);
  // A batch larger than the selected images is refused in the form, as the API and the CLI refuse it.
  await fill(page, 'training.batchSize', '7000');
  await expect(page.getByTestId('error-training.batchSize')).toContainText('7000 is larger than the 6000 training images');
  await page.getByTestId('model-card').screenshot({ path: join(shots, '01c-composer-memory.png') });
  await fill(page, 'training.batchSize', '64');
  await page.getByTestId('add-type-model.decoder').selectOption('reshape');
  await page.getByTestId('add-layer-model.decoder').click();
  await expect(page.getByTestId('error-model.decoder[2]')).toContainText('decoder[2] (reshape)');
  await page.getByTestId('model-card').screenshot({ path: join(shots, '01b-composer-shape-error.png') });
  await page.getByTestId('stack-model.decoder').getByTestId('remove-layer').nth(2).click();
  await encoder.getByTestId('remove-layer').nth(2).click();
  await expect(encoder.getByTestId('layer')).toHaveCount(2);
  // The focus stays in the stack (on the last row's Remove), and goes with a layer that is moved.
  await expect(encoder.getByTestId('remove-layer').nth(1)).toBeFocused();
  const [units0, units1] = [page.getByTestId('field-model.encoder[0].units'), page.getByTestId('field-model.encoder[1].units')];
  const [a, b] = [await units0.inputValue(), await units1.inputValue()];
  expect(a).not.toBe(b);
  await encoder.getByTestId('layer').nth(0).getByRole('button', { name: /down$/ }).click();
  await expect(units1).toHaveValue(a);
  await expect(units0).toHaveValue(b);
  await expect(encoder.getByTestId('layer').nth(1).getByRole('button', { name: /up$/ })).toBeFocused();
  await encoder.getByTestId('layer').nth(1).getByRole('button', { name: /up$/ }).click();
  await fill(page, 'model.latentSize', '0');
  await expect(page.getByTestId('run-row')).toHaveCount(0);

  // The deep AE, 1 epoch on a 6,000-image subset.
  await fill(page, 'name', 'deep AE 6k');
  await fill(page, 'model.latentSize', '16');
  await expect(page.getByTestId('form-errors')).toHaveCount(0);
  await page.screenshot({ path: join(shots, '02-configure.png') });
  await watchLiveViews(page);
  await page.getByTestId('start-run').click();

  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect(page.getByTestId('progress')).toBeVisible();
  await expect(page.getByTestId('samples-per-sec')).toContainText(/[1-9]\d* samples\/s/);
  await expect(page.getByTestId('eta')).toContainText(/ETA|finishing the last epoch/);
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThan(5);
  await page.screenshot({ path: join(shots, '03-training.png'), fullPage: true });

  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('reconstructions').locator('img')).toBeVisible();
  await page.screenshot({ path: join(shots, '04-completed.png'), fullPage: true });

  const seen = await page.evaluate(
    () => (window as unknown as { seen: { progress: number[]; points: number[]; images: string[] } }).seen,
  );
  const distinct = (xs: number[]) => [...new Set(xs)];
  expect(distinct(seen.progress).length).toBeGreaterThan(2);
  expect(Math.max(...seen.progress)).toBeGreaterThan(Math.min(...seen.progress));
  expect(distinct(seen.points).length).toBeGreaterThan(2);
  expect(seen.images).toContain('1');
  const testLoss = Number(await page.getByTestId('metric-test-loss').textContent());
  expect(testLoss).toBeGreaterThan(0);

  // A second run to compare with: another latent size.
  await configureRun(page, 'deep AE latent 4', '4', '3000');
  await page.getByTestId('start-run').click();
  await expectRunEnded(page, host, 120_000);

  // Restart the studio: a new host process, a new token, the same database.
  await host.stop();
  host = await startHost(join(dir, 'studio.db'));
  await page.goto(host.url);
  const row = page.getByTestId('run-row').filter({ hasText: 'deep AE 6k' });
  await expect(row).toHaveAttribute('data-status', 'completed');
  await row.getByRole('button').click();
  await expect(page.getByTestId('run-name')).toHaveText('deep AE 6k');
  await expect.poll(async () => Number(await page.getByTestId('loss-chart').getAttribute('data-points'))).toBeGreaterThan(5);
  await expect(page.getByTestId('reconstructions').locator('img')).toBeVisible();
  await expect(page.getByTestId('metric-test-loss')).toHaveText(testLoss.toFixed(4));
  await page.screenshot({ path: join(shots, '05-after-restart.png'), fullPage: true });

  // Compare the two finished runs: curves overlaid, configs side by side, differences marked.
  for (const check of await page.getByTestId('compare-check').all()) await check.check();
  await page.getByTestId('compare').click();
  await expect(page.getByTestId('compare-view')).toBeVisible();
  // Only the differing fields by default; all of them (the same ones marked) on the toggle. The table is drawn
  // when it is scrolled to.
  await expect(async () => {
    await page.locator('main').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect(page.getByTestId('compare-config-panel')).toBeAttached({ timeout: 1000 });
  }).toPass();
  await page.getByTestId('compare-config-panel').scrollIntoViewIfNeeded();
  const differing = page.locator('[data-testid=compare-config] tr[data-differs=true] th');
  await expect(differing).toHaveCount(2);
  expect((await differing.allTextContents()).sort()).toEqual(['dataset.trainSubset', 'model.latentSize']);
  await expect(page.locator('[data-testid=compare-config] tr[data-differs=false]')).toHaveCount(0);
  // What each cost beside its figures: how long it trained.
  const took = /^(\d+h )?(\d+m )?\d+[sm]$/;
  await expect(page.locator('[data-testid=compare-config] tr[data-metric="run.training_seconds"] td')).toHaveText([took, took]);
  await page.getByTestId('compare-config-panel').screenshot({ path: join(shots, '06b-compare-config.png') });
  await page.getByTestId('compare-config-all').check();
  await expect(
    page.locator('[data-testid=compare-config] tr[data-differs=false] th').filter({ hasText: 'training.epochs' }),
  ).toHaveCount(1);
  // Both runs' batch-loss curves overlaid.
  await page.getByTestId('compare-metric').selectOption('train.batch_loss');
  const chart = page.locator('[data-testid=compare-curves][data-ready=true] .chart');
  await expect(chart).toHaveAttribute('data-lines', '2');
  await expect.poll(async () => Number(await chart.getAttribute('data-points'))).toBeGreaterThan(20);
  await page.screenshot({ path: join(shots, '06-compare.png'), fullPage: true });

  // A run deleted in another window leaves this one's list and the comparison's selection.
  const other = await page.context().newPage();
  await other.goto(host.url);
  await other.getByTestId('run-row').filter({ hasText: 'deep AE latent 4' }).getByRole('button').click();
  other.once('dialog', (d) => void d.accept());
  await other.getByTestId('delete-run').click();
  await expect(other).toHaveURL(/#\/new$/);
  await expect(page.getByTestId('run-row').filter({ hasText: 'deep AE latent 4' })).toHaveCount(0);
  await expect(page.getByTestId('compare')).toHaveText('Compare (1)');
  await expect(page.getByTestId('compare')).toBeDisabled();
  await other.close();
});

import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { fill, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('the disentanglement study from the sweep form’s template, two of its models chosen: six runs, evaluated, compared model by model', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const host = theHost();
  await page.goto(host.url);
  await fill(page, 'max-concurrent', '2');
  await page.getByTestId('new-sweep').click();
  await page.getByTestId('study-template-toggle').click();
  await page.getByTestId('study-dataset').selectOption('shapes');
  await fill(page, 'study-seeds', '1');
  await fill(page, 'study-epochs', '1');
  await fill(page, 'study-subset', '600');
  await fill(page, 'study-score-points', '30');
  await fill(page, 'study-points', '300');
  await expect(page.getByTestId('study-start')).toHaveText('Start the study (12 runs)');
  // Two of the four models (the CLI’s study test runs the other two): three strengths each.
  await expect(page.getByTestId('study-model')).toHaveCount(4);
  await page.locator('[data-testid="study-model"][data-family="factor-vae"]').uncheck();
  await page.locator('[data-testid="study-model"][data-family="dip-vae"]').uncheck();
  await expect(page.getByTestId('study-start')).toHaveText('Start the study (6 runs)');
  await page.getByTestId('study-template').screenshot({ path: join(shots, '54-study-template.png') });
  await page.getByTestId('study-start').click();

  const view = page.getByTestId('study-view');
  await expect(view).toBeVisible();
  // Named by the models chosen, as the CLI names it.
  await expect(page.getByText('disentanglement study of β-VAE, β-TC-VAE (shapes, 1 seed, 1 epoch)').first()).toBeVisible();
  await expect(view).toHaveAttribute('data-evaluated', '6', { timeout: 540_000 });
  await expect(view.getByTestId('study-metric')).toHaveCount(5);
  await expect(view.locator('h3')).toContainText('2 models × 3 strengths × 1 seed');
  await expect(view.getByTestId('study-strengths')).toHaveText('β-VAE β=1, β=4, β=16; β-TC-VAE β=1, β=6, β=10');
  // The sweep's header names what the study varies, not only the seed its spec names.
  const studied = page.getByTestId('sweep-study-models');
  await expect(studied).toContainText('β-VAE (β=1, β=4, β=16)');
  await expect(studied).toContainText('β-TC-VAE (β=1, β=6, β=10)');
  // Its table marks the β column: a β-VAE's β weighs the KL, a β-TC-VAE's the total correlation.
  await expect(page.locator('[data-column="field:model.beta"]')).toHaveAttribute(
    'title',
    /means different things: .*β \(TC weight\) in β-TC-VAE/,
  );
  // Every worker gone, the counts say so (they were left at "1 running" by a worker that outlived its job).
  await expect(page.getByTestId('queue-counts')).toHaveText('0 running · 0 queued', { timeout: 20_000 });
  // Each panel has a point per evaluated run; the rank correlation is 1 on its diagonal.
  await expect(view.locator('[data-metric="eval.mig"] circle')).toHaveCount(6);
  const diagonal = await view
    .getByTestId('study-rank-correlation')
    .locator('tbody tr')
    .first()
    .locator('td')
    .first()
    .textContent();
  expect(diagonal).toBe('1.00');
  // Six runs make a rough ρ: the caption says over how many, and each cell's tooltip its runs and interval.
  const correlation = view.getByTestId('study-rank-correlation');
  await expect(correlation.locator('figcaption')).toContainText('over the 6 runs with both figures: few runs');
  await expect(correlation.locator('tbody tr').nth(1).locator('td').first()).toHaveAttribute(
    'title',
    /^ρ = -?[\d.]+ over 6 runs/,
  );
  await view.screenshot({ path: join(shots, '55-study-view.png') });
  await page.screenshot({ path: join(shots, '56-study-sweep.png'), fullPage: true });
});

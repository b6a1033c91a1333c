import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { expectRunEnded, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('batch norm, dropout, a schedule and early stopping are set in the form, and the run says how it ended', async ({
  page,
}) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('autoencoder');
  await page.getByTestId('field-dataset.trainSubset').fill('1200');
  await page.getByTestId('field-training.epochs').fill('8');
  for (const layer of ['batchNorm', 'dropout']) {
    await page.getByTestId('add-type-model.encoder').selectOption(layer);
    await page.getByTestId('add-layer-model.encoder').click();
  }
  await expect(page.getByTestId('stack-model.encoder')).toContainText('moving averages in inference');

  // A schedule, on with its initial settings (cosine after one epoch of warm-up), then changed.
  await page.getByTestId('toggle-training.schedule').check();
  await expect(page.getByTestId('field-training.schedule.kind')).toHaveValue('cosine');
  await page.getByTestId('field-training.schedule.minLearningRate').fill('0.0001');
  // Early stopping that no epoch after the first can satisfy: the run stops after its third.
  await page.getByTestId('toggle-training.earlyStopping').check();
  await page.getByTestId('field-training.earlyStopping.patience').fill('2');
  await page.getByTestId('field-training.earlyStopping.minDelta').fill('1');
  // A bad value is named by its path, in place.
  await page.getByTestId('field-training.clipNorm').fill('-1');
  await expect(page.getByTestId('error-training.clipNorm')).toContainText('training.clipNorm');
  await page.getByTestId('field-training.clipNorm').fill('5');
  await page.getByTestId('field-training.earlyStopping').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '29-training-options-form.png') });
  await page.getByTestId('start-run').click();

  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('run-stopped-early')).toContainText('stopped early after epoch 3');
  await expect(page.getByTestId('run-stopped-early')).toContainText('best epoch 1');
  // The rates logged at the three epochs' ends, and the schedule's rate at each of their 3 × 19 steps.
  await expect(page.getByTestId('learning-rate')).toHaveAttribute('data-points', String(3 + 3 * 19));
  await page.screenshot({ path: join(shots, '30-run-stopped-early.png') });
  // 88 % of the mean image's MSE: no warning.
  await expect(page.getByTestId('run-no-better-than-mean')).toHaveCount(0);
});

test('a run that reconstructs no better than the mean image is told so', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('autoencoder');
  await page.getByTestId('field-dataset.trainSubset').fill('256');
  await page.getByTestId('field-training.epochs').fill('1');
  // A rate too small to move the weights in four steps: the sigmoid outputs stay near 0.5 everywhere.
  await page.getByTestId('field-training.learningRate').fill('0.0000001');
  await page.getByTestId('start-run').click();
  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('run-no-better-than-mean')).toContainText('no better than the average training image');
  await page.screenshot({ path: join(shots, '31-run-no-better-than-mean.png') });
});

import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, expectRunEnded, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('batch norm, dropout, a schedule and early stopping are set in the form, and the run says how it ended', async ({
  page,
}) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('autoencoder');
  await page.getByTestId('field-dataset.trainSubset').fill('1200');
  // A quarter of them held out: early stopping and keep-best read its loss, not the test split's.
  await page.getByTestId('field-dataset.validationFraction').fill('0.25');
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
  // Checkpoints kept by the policy the form sets: the last one and the best by validation loss.
  await page.getByTestId('toggle-training.checkpoints').check();
  await page.getByTestId('field-training.checkpoints.keepLast').fill('1');
  await page.getByTestId('toggle-training.checkpoints.keepBest').check();
  await page.getByTestId('field-training.checkpoints.keepBest.metric').fill('loss');
  await page.getByTestId('field-training.checkpoints.keepBest.mode').selectOption('min');
  // Early stopping that no epoch after the first can satisfy: the run stops after its third.
  await page.getByTestId('toggle-training.earlyStopping').check();
  await page.getByTestId('field-training.earlyStopping.patience').fill('2');
  await page.getByTestId('field-training.earlyStopping.minDelta').fill('1');
  // A bad value is named by its path, in place.
  await page.getByTestId('field-training.clipNorm').fill('-1');
  await expect(page.getByTestId('error-training.clipNorm')).toContainText('training.clipNorm');
  await page.getByTestId('field-training.clipNorm').fill('5');
  // AdamW over the matrices only: the biases and batch norm's scale and shift keep their values.
  await page.getByTestId('field-training.weightDecay').fill('0.0001');
  await page.getByTestId('field-training.weightDecayOn').selectOption('matrices');
  await page.getByTestId('field-training.weightDecayOn').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '107-weight-decay-on.png') });
  await page.getByTestId('field-training.checkpoints').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '29-training-options-form.png') });
  await page.getByTestId('start-run').click();

  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('run-stopped-early')).toContainText('stopped early after epoch 3: validation loss');
  await expect(page.getByTestId('run-stopped-early')).toContainText('best epoch 1');
  // The last (epoch 3) and the best by validation loss are kept, as the form's policy said, and no other.
  const [runId] = (await callHost<{ id: number }[]>(host, 'runs.list', {})).map((r) => r.id);
  const kept = await callHost<{ checkpoints: { epoch: number }[]; config: { training: object } }>(host, 'runs.get', { runId });
  expect(kept.config.training).toMatchObject({ weightDecay: 0.0001, weightDecayOn: 'matrices' });
  const losses = (
    await callHost<{ split: string; name: string; epoch: number; value: number }[]>(host, 'runs.metrics', { runId })
  )
    .filter((m) => m.split === 'val' && m.name === 'loss')
    .sort((a, b) => a.value - b.value);
  expect(new Set(kept.checkpoints.map((c) => c.epoch))).toEqual(new Set([3, losses[0]!.epoch]));
  // The rates logged at the three epochs' ends, and the schedule's rate at each of their 3 × 15 steps (900 images).
  await expect(page.getByTestId('learning-rate')).toHaveAttribute('data-points', String(3 + 3 * 15));
  await page.screenshot({ path: join(shots, '30-run-stopped-early.png') });
  // 88 % of the mean image's MSE: no warning.
  await expect(page.getByTestId('run-no-better-than-mean')).toHaveCount(0);

  // Extended by three epochs after it stopped at the third (to the sixth): the cosine starts again there (a warm
  // restart), and the chart draws the schedule it trained with; early stopping's patience starts again, so it stops
  // after the fifth.
  await callHost(host, 'runs.resume', { runId, addEpochs: 3 });
  await expect(page.getByTestId('run-stopped-early')).toContainText('stopped early after epoch 5', { timeout: 120_000 });
  await expect(page.getByTestId('learning-rate')).toHaveAttribute('data-points', String(5 + 5 * 15));
  await page.getByTestId('learning-rate').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '106-cosine-extended.png') });
});

test('a run that reconstructs no better than the mean image is told so', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('autoencoder');
  await page.getByTestId('field-dataset.trainSubset').fill('256');
  await page.getByTestId('field-training.epochs').fill('1');
  // A rate too small to move the weights in four steps: the sigmoid outputs stay near 0.5 everywhere. Typed key
  // by key in scientific notation (a number field once turned 1e-07 into 17 as it was typed), and Enter starts.
  const rate = page.getByTestId('field-training.learningRate');
  await rate.fill('');
  await rate.pressSequentially('1e-07');
  await expect(rate).toHaveValue('1e-07');
  await rate.press('Enter');
  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('run-no-better-than-mean')).toContainText('no better than the average training image');
  await page.screenshot({ path: join(shots, '31-run-no-better-than-mean.png') });
});

test("a chart view is browsed epoch by epoch, as image views are: a VQ-VAE's code usage at its first epoch", async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  const preset = await callHost<Record<string, Record<string, unknown>>>(host, 'presets.get', { name: 'vq-vae-mlp' });
  const config = {
    ...preset,
    name: 'usage by epoch',
    backend: 'wasm',
    dataset: { name: 'mnist', trainSubset: 600, testSubset: 200 },
    training: { ...preset['training'], epochs: 3, batchSize: 50 },
  };
  const { runId } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  await page.evaluate((id) => (location.hash = `#/runs/${id}`), runId);
  await expectRunEnded(page, host, 120_000);
  const usage = page.getByTestId('code-usage');
  const caption = usage.locator('.caption');
  // The newest epoch first; the slider goes back to the first, whose caption and bars are its own.
  await expect(caption).toHaveAttribute('data-epoch', '3');
  const newest = await caption.textContent();
  await usage.getByTestId('epoch-slider').fill('0');
  await expect(caption).toHaveAttribute('data-epoch', '1');
  await expect(caption).toContainText('Epoch 1');
  expect(await caption.textContent()).not.toBe(newest);
  await usage.scrollIntoViewIfNeeded();
  await usage.screenshot({ path: join(shots, '31c-code-usage-epoch-1.png') });
});

test('the form works from the keyboard: arrows step a number, a refused start focuses the field to fix, configs load by a button', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const host = theHost();
  const runsBefore = (await callHost<unknown[]>(host, 'runs.list', {})).length;
  await page.goto(host.url);
  await page.getByTestId('field-family').selectOption('autoencoder');
  const epochs = page.getByTestId('field-training.epochs');
  await epochs.fill('4');
  await epochs.press('ArrowUp');
  await expect(epochs).toHaveValue('5');

  // A bad batch size, then Enter in the run's name: nothing starts, the field is marked and takes the focus.
  const batch = page.getByTestId('field-training.batchSize');
  await batch.fill('0');
  await expect(batch).toHaveAttribute('aria-invalid', 'true');
  await expect(batch).toHaveAttribute('aria-describedby', 'field-training.batchSize-message');
  await expect(page.getByTestId('error-training.batchSize')).toContainText('Batch size (training.batchSize):');
  await page.getByTestId('field-name').fill('keyboard');
  await page.getByTestId('field-name').press('Enter');
  await expect(page.getByTestId('form-errors')).toHaveAttribute('role', 'alert');
  await expect(batch).toBeFocused();
  await page.screenshot({ path: join(shots, '102-form-refused-focus.png') });

  // Fixed, and Enter pressed in a list field before it was left: the run starts with what was just typed.
  await batch.fill('64');
  await page.getByTestId('field-dataset.trainSubset').fill('256');
  await epochs.fill('1');
  await page.getByTestId('field-dataset.classes').fill('3, 8');
  await page.getByTestId('field-dataset.classes').press('Enter');
  await expect(page).toHaveURL(/#\/runs\/\d+$/);
  const started = Number(/#\/runs\/(\d+)$/.exec(page.url())?.[1]);
  const run = await callHost<{ config: { dataset: { classes?: number[] } } }>(host, 'runs.get', { runId: started });
  expect(run.config.dataset.classes).toEqual([3, 8]);
  await page.getByTestId('new-run').click();
  await page.getByTestId('field-family').selectOption('autoencoder');

  // Load config JSON is a button the keyboard reaches; loading again after an edit puts the file's values back.
  const load = page.getByTestId('load-config');
  await load.focus();
  await expect(load).toBeFocused();
  const file = {
    name: 'three-epochs.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ family: 'autoencoder', training: { epochs: 3, batchSize: 64 } })),
  };
  for (let i = 0; i < 2; i++) {
    await page.getByTestId('load-config-file').setInputFiles(file);
    await expect(epochs).toHaveValue('3');
    await epochs.fill('9');
  }
  // A file without a model takes the family's; a file of no known family is refused by its name.
  await expect(page.getByTestId('field-model.latentSize')).not.toHaveValue('');
  await page
    .getByTestId('load-config-file')
    .setInputFiles({ name: 'typo.json', mimeType: 'application/json', buffer: Buffer.from('{"family":"vea"}') });
  await expect(page.getByTestId('submit-error')).toContainText('typo.json: family: no family named "vea"');
  expect(pageErrors).toEqual([]);
  expect((await callHost<unknown[]>(host, 'runs.list', {})).length).toBe(runsBefore + 1);
});

test('a run whose loss explodes says so in figures, draws its curve up to the blow-up, and shows no stale placeholder', async ({
  page,
}) => {
  const host = theHost();
  const config = await callHost<{
    name: string;
    model: Record<string, unknown>;
    dataset: Record<string, unknown>;
    training: Record<string, unknown>;
  }>(host, 'presets.get', { name: 'deep-ae-mnist' });
  const linear = { type: 'dense', units: 64, activation: 'linear' };
  config.name = 'learning rate 10';
  config.model = { ...config.model, encoder: [linear], decoder: [linear], latentSize: 16, outputActivation: 'linear' };
  config.dataset = { name: 'mnist', trainSubset: 2000, testSubset: 200 };
  config.training = { ...config.training, optimizer: 'sgd', learningRate: 10, epochs: 2 };
  const { runId } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/runs/${runId}`);
  await expectRunEnded(page, host, 60_000, 'failed');
  await expect(page.getByTestId('run-error')).toContainText(
    /the loss (exploded to \d\.\d\de\+\d+ \(beyond 1e8\)|became NaN|became infinite) at epoch 1/,
  );
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('run-view')).toContainText('None: the run ended (failed) before its first epoch did.');
  await page.screenshot({ path: join(shots, '112-run-loss-exploded.png'), fullPage: true });
});

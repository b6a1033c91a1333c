import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

type Config = { name: string; dataset: Record<string, unknown>; training: Record<string, unknown> };

test('a VQ-VAE’s learned prior is trained from its run view, and says so once the run has trained on past it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const host = theHost();
  const config = await callHost<Config>(host, 'presets.get', { name: 'vq-vae-mlp' });
  config.dataset = { ...config.dataset, trainSubset: 1000, testSubset: 500 };
  config.training = { ...config.training, epochs: 1 };
  const { runId } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  const status = async () => (await callHost<{ status: string }>(host, 'runs.get', { runId })).status;
  await expect.poll(status, { timeout: 90_000 }).toBe('completed');

  await page.goto(`${host.url}#/runs/${runId}`);
  const panel = page.getByTestId('prior-panel');
  await panel.getByTestId('prior-epochs').fill('2');
  await panel.getByTestId('train-prior').click();
  await expect(panel.getByTestId('prior-nll')).toContainText('bits', { timeout: 90_000 });
  await expect(panel).toContainText('2 epochs on the codes of the epoch-1 checkpoint');
  await expect(panel.getByTestId('prior-stale')).toHaveCount(0);

  // One epoch more: the prior describes the codes of epoch 1, the run's newest checkpoint is of epoch 2.
  await page.getByTestId('add-epochs').fill('1');
  await page.getByTestId('extend-run').click();
  await expect.poll(status, { timeout: 90_000 }).toBe('completed');
  await expect(panel.getByTestId('prior-stale')).toContainText(
    "its newest checkpoint is of epoch 2, the prior's codes of epoch 1. Train again",
    { timeout: 10_000 },
  );
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '103-prior-stale.png') });

  // Trained again, and cancelled: the panel says which prior samples still come from.
  await panel.getByTestId('prior-epochs').fill('500');
  await panel.getByTestId('train-prior').click();
  await panel.getByTestId('prior-cancel').click();
  await expect(panel.getByTestId('prior-cancelled')).toBeVisible({ timeout: 30_000 });
  await expect(panel.getByTestId('prior-samples-from')).toContainText('Samples come from the earlier prior (job');
  const sampled = await callHost<{ priorJobId: number }>(host, 'runs.sample', { runId, n: 1 });
  await expect(panel.getByTestId('prior-samples-from')).toContainText(`job ${sampled.priorJobId},`);
});

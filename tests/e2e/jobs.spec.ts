import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, expectRunEnded, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('runs wait in the queue under the limit, and a cancelled run resumes and exports from its page', async ({ page }) => {
  const host = theHost();
  const call = (name: string, input: unknown) => callHost<unknown>(host, name, input);
  await page.goto(host.url);
  await page.getByTestId('max-concurrent').fill('1');
  await page.getByTestId('max-concurrent').blur();
  await expect.poll(async () => ((await call('scheduler.get', {})) as { maxConcurrent: number }).maxConcurrent).toBe(1);

  const config = (await call('presets.get', { name: 'deep-ae-mnist' })) as Record<string, Record<string, unknown>>;
  const runConfig = (name: string) => ({
    ...config,
    name,
    backend: 'wasm',
    dataset: { name: 'mnist', trainSubset: 3000, testSubset: 500 },
    training: { ...config['training'], epochs: 3 },
  });
  const first = (await call('runs.start', { config: runConfig('first in') })) as { runId: number };
  await call('runs.start', { config: runConfig('second in') });
  const third = (await call('runs.start', { config: runConfig('third in') })) as { runId: number };
  await expect(page.getByTestId('queue-counts')).toHaveText('1 running · 2 queued');
  await page.getByTestId('runs-list').screenshot({ path: join(shots, '30-queue.png') });

  // The queue behind the counts: what holds the slot, then what waits, in the order it starts.
  await page.getByTestId('queue-counts').click();
  const rows = page.getByTestId('queue-job');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText(/training\s*first in.*running/);
  await expect(rows.nth(1)).toContainText(/training\s*second in.*next 1 of 2/);
  await expect(rows.nth(2)).toContainText(/third in\s*3 epochs\s*next 2 of 2/);
  const menu = await page.getByTestId('queue-menu').boundingBox();
  if (!menu) throw new Error('the queue menu is not on screen');
  await page.screenshot({
    path: join(shots, '30b-queue-menu.png'),
    clip: { x: 0, y: 0, width: menu.x + menu.width + 12, height: menu.y + menu.height + 12 },
  });
  // Moved to the front, the third waits first; cancelling it there ends it as cancelled, and the queue closes up.
  await rows.nth(2).getByTestId('queue-front').click();
  await expect(rows.nth(1)).toContainText(/third in\s*3 epochs\s*next 1 of 2/);
  await expect(rows.nth(2)).toContainText(/second in\s*3 epochs\s*next 2 of 2/);
  await expect(rows.nth(1).getByTestId('queue-front')).toHaveCount(0);
  await rows.nth(1).getByTestId('queue-cancel').click();
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('queue-counts')).toHaveText('1 running · 1 queued');
  expect(((await call('runs.get', { runId: third.runId })) as { status: string }).status).toBe('cancelled');
  await page.getByTestId('queue-counts').click();
  await expect(page.getByTestId('queue-menu')).toBeHidden();

  // Cancel the first after its first checkpoint; the second starts; the first resumes from its page.
  await page.locator(`[data-run-id="${first.runId}"] button.row`).click();
  await expect
    .poll(async () => ((await call('runs.get', { runId: first.runId })) as { checkpoints: unknown[] }).checkpoints.length, {
      timeout: 60_000,
    })
    .toBeGreaterThan(0);
  await page.getByTestId('cancel-run').click();
  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('cancelled');
  await expect(page.getByTestId('resume-run')).toHaveText('Resume from the last checkpoint');
  await page.getByTestId('resume-run').click();
  await expect(page.getByTestId('run-action-message')).toContainText(/continuing from epoch \d to epoch 3/);
  // The badge still says cancelled until the run's new status arrives: only then can it end again.
  await expect(page.getByTestId('run-view').getByTestId('status')).not.toHaveText('cancelled');
  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('interruptions')).toContainText('1 interruption');
  await page.getByTestId('export-run').click();
  await expect(page.getByTestId('run-action-message')).toContainText(/exported the checkpoint of epoch 3 to .*exports/);
  await page.screenshot({ path: join(shots, '31-resumed-and-exported.png') });
});

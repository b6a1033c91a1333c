import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { callHost, expectCheckpoint, expectRunEnded, hostPerFile } from './host';

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
  await expect(page.getByTestId('queue-counts')).toHaveText('1 running · 1 queued');
  await page.getByTestId('runs-list').screenshot({ path: join(shots, '30-queue.png') });

  // Cancel the first after its first checkpoint; the second starts; the first resumes from its page.
  await page.locator(`[data-run-id="${first.runId}"] button.row`).click();
  await expectCheckpoint(host, first.runId, 60_000);
  await page.getByTestId('cancel-run').click();
  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('cancelled');
  await expect(page.getByTestId('resume-run')).toHaveText('Resume from the last checkpoint');
  await page.getByTestId('resume-run').click();
  await expect(page.getByTestId('run-action-message')).toContainText(/continuing from epoch \d to epoch 3/);
  // Queued behind the second, it shows no progress of its first start (epoch, ETA and batch loss from before).
  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('queued');
  expect(await page.getByTestId('progress').count()).toBe(0);
  // The badge still says cancelled until the run's new status arrives: only then can it end again.
  await expect(page.getByTestId('run-view').getByTestId('status')).not.toHaveText('cancelled');
  await expectRunEnded(page, host, 120_000);
  // Once the continuation has ended, "continuing from …" no longer stands over the completed run.
  await expect(page.getByTestId('run-action-message')).toHaveCount(0);
  await expect(page.getByTestId('interruptions')).toContainText('1 interruption');
  // Its history: the first start, cancelled after its checkpoint, and the resume that ended it, both on wasm here.
  const attempts = page.getByTestId('run-attempt');
  await expect(attempts).toHaveCount(2);
  await expect(attempts.getByTestId('attempt-status')).toHaveText(['cancelled', 'completed']);
  await expect(attempts.nth(0)).toContainText(/First start.*epochs 0 → [12] of 3 · wasm on /);
  await expect(attempts.nth(0).getByTestId('attempt-error')).toContainText('cancelled');
  await expect(attempts.nth(1)).toContainText(/Resumed.*epochs [12] → 3 · wasm on .*trained \d/);
  await page.getByTestId('run-history').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '31b-run-history.png') });
  await page.getByTestId('export-run').click();
  await expect(page.getByTestId('run-action-message')).toContainText(/exported the checkpoint of epoch 3 to .*exports/);
  await page.screenshot({ path: join(shots, '31-resumed-and-exported.png') });
});

test('the queue lists every waiting job in the order it starts: held, moved to the front, cancelled, released', async ({
  page,
}) => {
  const host = theHost();
  const call = (name: string, input: unknown) => callHost<unknown>(host, name, input);
  await page.goto(host.url);
  await call('scheduler.set', { maxConcurrent: 1 });
  const config = (await call('presets.get', { name: 'deep-ae-mnist' })) as Record<string, Record<string, unknown>>;
  const runConfig = (name: string, epochs: number) => ({
    ...config,
    name,
    backend: 'wasm',
    dataset: { name: 'mnist', trainSubset: 3000, testSubset: 500 },
    training: { ...config['training'], epochs },
  });

  // Held, nothing starts: the three runs wait in the order they were started.
  await page.getByTestId('queue-counts').click();
  await page.getByTestId('queue-hold').click();
  await expect(page.getByTestId('queue-hold')).toHaveText('Release the queue');
  expect(((await call('scheduler.get', {})) as { paused: boolean }).paused).toBe(true);
  const ids: number[] = [];
  for (const [name, epochs] of [
    ['queue a', 20],
    ['queue b', 20],
    ['queue c', 3],
  ] as const)
    ids.push(((await call('runs.start', { config: runConfig(name, epochs) })) as { runId: number }).runId);
  await expect(page.getByTestId('queue-counts')).toHaveText('0 running · 3 queued · held');
  const rows = page.getByTestId('queue-job');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText(/training\s*queue a\s*20 epochs\s*held · 1 of 3 in line/);
  await expect(rows.nth(0).getByTestId('queue-front')).toHaveCount(0);
  await expect(rows.nth(2)).toContainText(/queue c\s*3 epochs\s*held · 3 of 3 in line/);

  // Moved to the front, c waits first; cancelled there, b ends as cancelled and the queue closes up.
  await rows.nth(2).getByTestId('queue-front').click();
  await expect(rows.nth(0)).toContainText(/queue c\s*3 epochs\s*held · 1 of 3 in line/);
  await expect(rows.nth(2)).toContainText(/queue b\s*20 epochs\s*held · 3 of 3 in line/);
  await rows.nth(2).getByTestId('queue-cancel').click();
  await expect(rows).toHaveCount(2);
  expect(((await call('runs.get', { runId: ids[1] })) as { status: string }).status).toBe('cancelled');
  await page.screenshot({ path: join(shots, '30c-queue-held.png'), clip: await menuClip(page) });

  // Released, c (moved first) starts; a waits.
  await page.getByTestId('queue-hold').click();
  await expect(page.getByTestId('queue-counts')).toHaveText('1 running · 1 queued');
  await expect(rows.nth(0)).toContainText(/queue c.*running/);
  await expect(rows.nth(1)).toContainText(/queue a\s*20 epochs\s*next 1 of 1/);
  await page.screenshot({ path: join(shots, '30b-queue-menu.png'), clip: await menuClip(page) });
  for (const row of [rows.nth(1), rows.nth(0)]) await row.getByTestId('queue-cancel').click();
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  await expect(page.getByTestId('queue-counts')).toHaveText('0 running · 0 queued');
});

/** The sidebar down to the queue menu's corner: the counts and the menu that opens from them. */
async function menuClip(page: Page) {
  const box = await page.getByTestId('queue-menu').boundingBox();
  if (!box) throw new Error('the queue menu is not on screen');
  return { x: 0, y: 0, width: box.x + box.width + 12, height: box.y + box.height + 12 };
}

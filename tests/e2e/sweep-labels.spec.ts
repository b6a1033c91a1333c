/**
 * A sweep's labels, edited in its header while the view reads the sweep again: a reading begun before a tag was saved
 * must not bring the older tags back (the next tag would then be saved onto them, and the one between lost).
 */
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('a sweep tagged from its header keeps every tag, though a reading of it from before a save arrives after', async ({
  page,
}) => {
  const host = theHost();
  const call = <T>(name: string, input: unknown) => callHost<T>(host, name, input);
  // Nothing trains: the queue is held, then the sweep cancelled, so only the labels change it.
  await call('scheduler.set', { paused: true });
  const base = await call<Record<string, Record<string, unknown>>>('presets.get', { name: 'beta-vae-4' });
  const { sweepId } = await call<{ sweepId: number }>('sweeps.create', {
    spec: { name: 'β grid', method: 'grid', base, parameters: { 'model.beta': { values: [0.5, 8] } } },
  });
  await call('sweeps.cancel', { sweepId });

  // The view's readings of the sweep, once armed: the first is read at once but its answer held until released.
  let armed = false;
  let heldOne = false;
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  let sawHeld: () => void = () => undefined;
  const held = new Promise<void>((r) => (sawHeld = r));
  let readsAfter = 0;
  await page.route('**/api/sweeps.get', async (route) => {
    if (!armed) return route.continue();
    if (heldOne) {
      readsAfter++;
      return route.continue();
    }
    heldOne = true;
    const response = await route.fetch();
    sawHeld();
    await released;
    await route.fulfill({ response });
  });
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/sweeps/${sweepId}`);
  const header = page.getByTestId('sweep-header');
  const input = header.getByTestId('label-tag-input');
  await expect(header).toBeVisible();

  armed = true;
  await input.fill('ablation');
  await input.press('Enter');
  // The view reads the sweep again after the save; that reading (tags: ablation) waits.
  await held;
  await input.fill('fig-3');
  await input.press('Enter');
  await expect(header.getByTestId('label-tag')).toHaveText(['ablation×', 'fig-3×']);
  await expect.poll(() => readsAfter, { timeout: 10_000 }).toBeGreaterThan(0);
  await expect.poll(async () => (await call<{ tags: string[] }>('sweeps.get', { sweepId })).tags).toEqual(['ablation', 'fig-3']);
  // The older reading arrives last: the header keeps both tags, and the next tag is added to both.
  release();
  await page.waitForTimeout(500);
  await expect(header.getByTestId('label-tag')).toHaveText(['ablation×', 'fig-3×']);
  await input.fill('β-study');
  await input.press('Enter');
  await expect(header.getByTestId('label-tag')).toHaveText(['ablation×', 'fig-3×', 'β-study×']);
  await expect
    .poll(async () => (await call<{ tags: string[] }>('sweeps.get', { sweepId })).tags)
    .toEqual(['ablation', 'fig-3', 'β-study']);
  await header.screenshot({ path: join(shots, '27c-sweep-labels.png') });
});

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startHost, type RunningHost, callHost, fill } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let dir: string;
let host: RunningHost | undefined;
/** The step gate (src/core/training/step-gate.ts): a worker that starts while it names a step holds after that step. */
let gate: string;
const gated = () => ({ ...process.env, LATENT_STUDIO_TEST_GATE: gate });

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-sweep-'));
  gate = join(dir, 'gate.json');
  writeFileSync(gate, JSON.stringify({ step: -1 }));
  host = await startHost(join(dir, 'studio.db'), [], gated());
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = callHost;

test('a β sweep defined in the UI runs under the limit, survives a restart of the host, and compares its six runs', async ({
  page,
}) => {
  test.setTimeout(420_000);
  if (!host) throw new Error('host not started');
  await page.goto(host.url);
  await fill(page, 'max-concurrent', '2');
  await expect
    .poll(async () => (await call<{ maxConcurrent: number }>(host as RunningHost, 'scheduler.get', {})).maxConcurrent)
    .toBe(2);

  // The sweep form, as a new user fills it: a preset, a small MNIST subset, two swept fields.
  await page.getByTestId('new-sweep').click();
  await fill(page, 'sweep-name', 'β sweep');
  await page.getByTestId('sweep-base').selectOption('vae-784-400-20');
  await fill(page, 'field-base.dataset.trainSubset', '1000');
  await fill(page, 'field-base.dataset.testSubset', '500');
  await fill(page, 'field-base.training.epochs', '3');
  await page.getByTestId('field-base.backend').selectOption('wasm');
  const rows = page.getByTestId('sweep-param');
  if ((await rows.count()) === 0) await page.getByTestId('sweep-add-param').click();
  await rows.nth(0).getByTestId('sweep-param-path').selectOption('model.beta');
  await rows.nth(0).getByTestId('sweep-param-values').fill('0.5, 2, 8');
  await page.getByTestId('sweep-add-param').click();
  await rows.nth(1).getByTestId('sweep-param-path').selectOption('training.seed');
  await rows.nth(1).getByTestId('sweep-param-values').fill('1, 2');
  await expect(page.getByTestId('sweep-preview-run')).toHaveCount(6);

  // A value the field refuses is named beside its row, and the sweep cannot start.
  await rows.nth(0).getByTestId('sweep-param-values').fill('0.5, 2, -8');
  await expect(rows.nth(0).getByTestId('sweep-param-issue')).toContainText('-8 is refused');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
  await rows.nth(0).getByTestId('sweep-param-values').fill('0.5, 2, 8');
  await expect(page.getByTestId('sweep-preview-run')).toHaveCount(6);
  await page.screenshot({ path: join(shots, '43-beta-sweep-form.png'), fullPage: true });
  await page.getByTestId('sweep-start').click();

  // The queue respects the limit: two train, four wait.
  await expect(page.getByTestId('sweep-header')).toBeVisible();
  await expect(page.getByTestId('queue-counts')).toHaveText(/^2 running · [1-4] queued$/, { timeout: 60_000 });
  const h = host;
  let most = 0;
  const watch = setInterval(() => {
    void call<{ running: number }>(h, 'scheduler.get', {}).then(
      (s) => (most = Math.max(most, s.running)),
      () => undefined,
    );
  }, 250);
  await expect(page.getByTestId('sweep-progress')).toHaveText(/^[1-4] done · \d running · \d queued of 6/, { timeout: 120_000 });
  // From now on a run that starts holds after its second step, so that one is certainly training when the host
  // stops, on a machine of any speed (the runs started before go on to their end).
  writeFileSync(gate, JSON.stringify({ step: 2 }));
  await expect.poll(() => existsSync(`${gate}.held`), { timeout: 60_000 }).toBe(true);
  clearInterval(watch);
  expect(most).toBe(2);
  await page.screenshot({ path: join(shots, '44-sweep-running.png'), fullPage: true });

  // The host stops mid-sweep and a new one opens the same database: the sweep goes on to its end.
  const sweeps = await call<{ id: number; counts: Record<string, number> }[]>(host, 'sweeps.list', {});
  expect(sweeps[0]?.counts['completed']).toBeLessThan(6);
  await host.stop();
  writeFileSync(gate, JSON.stringify({ step: -1 }));
  host = await startHost(join(dir, 'studio.db'), [], gated());
  await page.goto(host.url);
  await page.getByTestId('sweep-item').first().click();
  await expect(page.getByTestId('sweep-progress')).toHaveText(/^6 done · 0 running · 0 queued of 6/, { timeout: 240_000 });
  const detail = await call<{ runs: { runId: number; status: string }[] }>(host, 'sweeps.get', { sweepId: sweeps[0]?.id });
  const interrupted = await Promise.all(
    detail.runs.map(
      async (r) =>
        (await call<{ interruptions: unknown[] }>(host as RunningHost, 'runs.get', { runId: r.runId })).interruptions.length,
    ),
  );
  console.log(`runs interrupted by the restart and resumed: ${interrupted.filter((n) => n > 0).length}`);
  expect(interrupted.some((n) => n > 0)).toBe(true);
  // Listed, a run's own parameters come first: in the sidebar its sweep follows, in the sweep's table it is said above.
  const firstRun = detail.runs[0]?.runId;
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${firstRun}"] .name`)).toHaveText('beta=0.5 seed=1 · β sweep');
  await expect(
    page
      .getByTestId('runs-table')
      .locator('td.name')
      .filter({ hasText: /^\s*beta=0\.5 seed=1\s*$/ }),
  ).toHaveCount(1);
  await page.screenshot({ path: join(shots, '45-sweep-done-after-restart.png'), fullPage: true });

  // Compare all six: grouped curves with bands, the rate–distortion scatter, parallel coordinates, images at one epoch.
  await page.getByTestId('select-all').check();
  await page.getByTestId('compare-selected').click();
  await expect(page.getByTestId('compare-view')).toBeVisible();
  await expect(page.getByTestId('compare-groups')).toHaveText('6 runs in 3 groups');
  await page.getByTestId('compare-band').selectOption('minmax');
  await expect(page.locator('[data-testid=compare-curves][data-ready=true] .chart')).toHaveAttribute('data-lines', /^[1-9]/);
  await page.getByTestId('compare-scatter-x').selectOption('test.kl');
  await page.getByTestId('compare-scatter-y').selectOption('test.reconstruction');
  await expect(page.locator('[data-testid=compare-scatter] circle[data-run-id]')).toHaveCount(6);
  await expect(page.locator('[data-testid=compare-parcoords] g[data-run-id]')).toHaveCount(6);
  await page.getByTestId('compare-curves').screenshot({ path: join(shots, '46-sweep-compare-curves.png') });
  await page.getByTestId('compare-scatter').screenshot({ path: join(shots, '47-sweep-rate-distortion.png') });

  const tiles = page.getByTestId('compare-tile');
  await expect(tiles).toHaveCount(6);
  await page.getByTestId('compare-epoch').fill('2');
  await expect(page.locator('[data-testid=compare-tile] img[data-epoch="2"]')).toHaveCount(6);
  await page.getByTestId('compare-images').screenshot({ path: join(shots, '48-sweep-images-epoch-2.png') });
  await tiles.first().click();
  await expect(page.getByTestId('compare-lightbox')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('compare-lightbox')).toBeHidden();
  // Final figures as the family declares them: active units a whole number, not 20.0000.
  const units = page.getByTestId('compare-config').locator('tr[data-metric="test.active_units"] td');
  await expect(units).toHaveCount(6);
  for (const cell of await units.all()) await expect(cell).toHaveText(/^\d+$/);
  await page.screenshot({ path: join(shots, '49-sweep-compare.png'), fullPage: true });
});

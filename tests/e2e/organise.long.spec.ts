/**
 * Finding one's way around (issue 24): labels that survive a restart, search by tag and by config value, a chart's
 * PNG, the command palette and the keyboard, a data set that appears without a reload, and a clone that differs
 * in the one field changed.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { callHost, startHost, type RunningHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
test.describe.configure({ mode: 'serial' });

let dir = '';
let host: RunningHost;
const ids: number[] = [];

interface Config {
  name: string;
  model: { beta: number };
  dataset: { name: string; trainSubset?: number; testSubset?: number };
  training: { epochs: number };
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-'));
  host = await startHost(join(dir, 'studio.db'));
  for (const beta of [4, 1]) {
    const config = await callHost<Config>(host, 'presets.get', { name: 'beta-vae-4' });
    config.name = `vae beta ${beta}`;
    config.model.beta = beta;
    config.dataset.trainSubset = 256;
    config.dataset.testSubset = 256;
    config.training.epochs = 2;
    ids.push((await callHost<{ runId: number }>(host, 'runs.start', { config })).runId);
  }
  // Both trained before the tests: the restart below must not catch a run mid-way (it would end interrupted).
  await expect
    .poll(async () => (await callHost<{ status: string }[]>(host, 'runs.list', { runIds: ids })).map((r) => r.status), {
      timeout: 180_000,
    })
    .toEqual(['completed', 'completed']);
});
test.afterAll(async () => {
  await host.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitCompleted(page: Page, runId: number): Promise<void> {
  await page.goto(`${host.origin}/#/runs/${runId}`);
  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('completed', { timeout: 180_000 });
}

test('a run is renamed, tagged, annotated and starred; a restarted host still has it all', async ({ page }) => {
  const [a] = ids as [number];
  // Saving a label takes 0.8 s here (over the socket or HTTP), so each tag below is added while the one before is
  // still on its way: the second must not replace the first.
  const slow = () => new Promise((r) => setTimeout(r, 800));
  await page.route('**/api/runs.label', async (route) => {
    await slow();
    await route.continue();
  });
  await page.routeWebSocket('**/events', (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (typeof message === 'string' && message.includes('"name":"runs.label"')) void slow().then(() => server.send(message));
      else server.send(message);
    });
  });
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/runs/${a}`);
  const view = page.getByTestId('run-view');
  await view.getByTestId('label-rename').click();
  // An empty name is refused in words, naming the field (not the API command behind the form).
  await view.getByTestId('label-name-input').fill('');
  await view.getByTestId('label-name-input').press('Enter');
  await expect(view.getByTestId('label-error')).toHaveText('name: a name cannot be empty');
  await view.getByTestId('label-name-input').fill('β = 4 baseline');
  await view.getByTestId('label-name-input').press('Enter');
  await expect(view.getByTestId('run-name')).toHaveText('β = 4 baseline');
  // The keyboard is back on Rename, not at the top of the page.
  await expect(view.getByTestId('label-rename')).toBeFocused();
  await view.getByTestId('label-tag-input').fill('baseline');
  await view.getByTestId('label-tag-input').press('Enter');
  await view.getByTestId('label-tag-input').fill('two words');
  await view.getByTestId('label-tag-input').press('Enter');
  await expect(view.getByTestId('label-error')).toContainText('tag: a tag is one word');
  await view.getByTestId('label-tag-input').fill('fig-2');
  await view.getByTestId('label-tag-input').press('Enter');
  await expect(view.getByTestId('label-tag')).toHaveText(['baseline×', 'fig-2×']);
  await view.getByTestId('label-notes-edit').click();
  await view.getByTestId('label-notes-input').fill('Blurry digits.\nTry a larger latent.');
  await view.getByTestId('label-notes-save').click();
  await expect(view.getByTestId('label-notes-edit')).toBeFocused();
  await view.getByTestId('label-star').click();
  await expect(view.getByTestId('label-star')).toHaveAttribute('aria-pressed', 'true');
  // The sidebar follows at once.
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${a}"]`)).toContainText(/★\s*β = 4 baseline/);

  await host.stop();
  host = await startHost(join(dir, 'studio.db'));
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/runs/${a}`);
  await expect(view.getByTestId('run-name')).toHaveText('β = 4 baseline');
  await expect(view.getByTestId('label-tag')).toHaveText(['baseline×', 'fig-2×']);
  await expect(view.getByTestId('label-notes')).toHaveText('Blurry digits.\nTry a larger latent.');
  await expect(view.getByTestId('label-star')).toHaveAttribute('aria-pressed', 'true');
  await page.screenshot({ path: join(shots, '33-run-labels.png') });
});

test('the search finds a run by tag and by model.beta=4, and says when nothing matches', async ({ page }) => {
  const [a, b] = ids as [number, number];
  await page.goto(host.url);
  const rows = page.getByTestId('runs-list').getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  const search = page.getByTestId('sidebar-search');
  await search.fill('tag:baseline');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-run-id', String(a));
  await search.fill('model.beta=4');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-run-id', String(a));
  await search.fill('beta=1');
  await expect(rows.first()).toHaveAttribute('data-run-id', String(b));
  await search.fill('larger latent');
  await expect(rows).toHaveCount(1);
  await search.fill('no such run');
  await expect(rows).toHaveCount(0);
  await expect(page.getByTestId('sidebar-no-match')).toContainText('No run of 2 matches “no such run”');
  // A range written without its field, and a field no run has: the words say why nothing matched.
  await search.fill('beta>=1 <=4');
  await expect(page.getByTestId('sidebar-no-match')).toContainText(
    '“<=4” compares nothing: write the field before it, as beta<=4',
  );
  await search.fill('');
  await expect(rows).toHaveCount(2);
  // Cleared before a slow reply comes: the reply does not filter the list again.
  let replied!: () => void;
  const reply = new Promise<void>((r) => (replied = r));
  await page.route('**/api/runs.search', async (route) => {
    await new Promise((r) => setTimeout(r, 800));
    await route.continue();
    replied();
  });
  const asked = page.waitForRequest('**/api/runs.search');
  await search.fill('larger latent');
  // The search is on its way (after the debounce) when the field is cleared; its reply comes after.
  await asked;
  await search.fill('');
  await reply;
  await page.waitForTimeout(200);
  await expect(rows).toHaveCount(2);
  await page.unroute('**/api/runs.search');

  // The table: the same search, kept in the address.
  await page.goto(`${host.origin}/#/table`);
  await page.getByTestId('table-search').fill('model.beta=4');
  await expect(page.getByTestId('runs-table-row')).toHaveCount(1);
  await expect(page).toHaveURL(/#\/table\?q=model\.beta%3D4$/);
  await page.reload();
  await expect(page.getByTestId('table-search')).toHaveValue('model.beta=4');
  await expect(page.getByTestId('runs-table-row')).toHaveCount(1);
  await expect(page.getByTestId('runs-table-row').getByTestId('mark-tag')).toHaveText(['baseline', 'fig-2']);
  await page.getByTestId('table-search').fill('tag:nothing');
  await expect(page.getByTestId('table-no-match')).toContainText('No run of 2 matches “tag:nothing”');
  await page.getByTestId('table-search').fill('betta=4');
  await expect(page.getByTestId('table-no-match')).toContainText('No run has a config field “betta” (did you mean beta?)');
  await page.screenshot({ path: join(shots, '15h-table-search-hint.png') });
  await page.getByTestId('table-search').fill('tag:nothing');
  // The address changing under the open table (a link to all runs, then Back): its search follows.
  await page.evaluate(() => (location.hash = '#/table'));
  await expect(page.getByTestId('table-search')).toHaveValue('');
  await expect(page.getByTestId('runs-table-row')).toHaveCount(2);
  await page.goBack();
  await expect(page.getByTestId('table-search')).toHaveValue('tag:nothing');
  await expect(page.getByTestId('table-no-match')).toBeVisible();
  await page.screenshot({ path: join(shots, '34-table-search.png') });
});

test("a chart's PNG is a valid PNG; its SVG and CSV hold the curves", async ({ page }) => {
  const [a] = ids as [number];
  await page.goto(host.url);
  await waitCompleted(page, a);
  const chart = page.getByTestId('loss-chart');
  const save = async (kind: 'png' | 'svg' | 'csv') => {
    await chart.getByTestId('chart-export').locator('summary').click();
    const [download] = await Promise.all([page.waitForEvent('download'), chart.getByTestId(`chart-export-${kind}`).click()]);
    expect(download.suggestedFilename()).toBe(`β-4-baseline-loss.${kind}`);
    return readFileSync(await download.path());
  };
  const png = await save('png');
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect(png.readUInt32BE(16)).toBeGreaterThan(200);
  expect(png.readUInt32BE(20)).toBeGreaterThan(100);
  const svg = save('svg').then((b) => b.toString('utf8'));
  expect(await svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  // The curves as open vector paths (the per-batch loss, a line of many points), not only the dots and the legend's
  // boxes (closed paths, Z).
  const lines = [...(await svg).matchAll(/<path[^>]* d="([^"]*)"/g)]
    .map((m) => m[1] ?? '')
    .filter((d) => !/Z/i.test(d) && (d.match(/L/g)?.length ?? 0) >= 3);
  expect(lines.length).toBeGreaterThanOrEqual(1);
  const csv = (await save('csv')).toString('utf8').split('\n');
  expect(csv[0]).toBe('series,epoch,y');
  expect(csv.filter((l) => l.startsWith('train')).length).toBeGreaterThanOrEqual(2);
  // Esc closes the menu.
  await chart.getByTestId('chart-export').locator('summary').click();
  await expect(chart.getByTestId('chart-export-png')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(chart.getByTestId('chart-export-png')).toBeHidden();
});

test('the command palette goes to a run; ? shows the shortcuts; n opens the form', async ({ page }) => {
  const [, b] = ids as [number, number];
  await page.goto(host.url);
  await page.getByTestId('open-datasets').click();
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('palette')).toBeVisible();
  await page.getByTestId('palette-input').fill('vae beta 1');
  await page.screenshot({ path: join(shots, '35-palette.png') });
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/runs/${b}$`));
  await expect(page.getByTestId('palette')).toBeHidden();
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcut-list')).toContainText('Command palette');
  await page.screenshot({ path: join(shots, '36-help.png') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help')).toBeHidden();
  await page.keyboard.press('n');
  await expect(page).toHaveURL(/#\/new$/);
  // Typing "n" in a field types it.
  await page.getByTestId('field-name').fill('');
  await page.getByTestId('field-name').press('n');
  await expect(page).toHaveURL(/#\/new$/);
  await expect(page.getByTestId('field-name')).toHaveValue('n');
  // Nor does "n" on a checkbox of a half-filled form open a new one in its place.
  await page.getByTestId('sweep-these').click();
  await expect(page).toHaveURL(/#\/sweeps\/new/);
  await page.getByTestId('sweep-hyperband').focus();
  await page.keyboard.press('n');
  await expect(page).toHaveURL(/#\/sweeps\/new/);
});

test('the data sets view shows a set a run generated, without a reload', async ({ page }) => {
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/datasets/shapes`);
  await expect(page.getByTestId('dataset-title')).toContainText('Shapes');
  await expect(page.getByText('Not generated yet.')).toBeVisible();
  // The split's long sentence wraps within the card.
  const facts = page.getByTestId('dataset-facts');
  expect(await facts.evaluate((t) => t.scrollWidth <= (t.parentElement?.clientWidth ?? 0))).toBe(true);
  const config = await callHost<Config>(host, 'presets.get', { name: 'beta-vae-4' });
  config.name = 'on shapes';
  config.dataset = { name: 'shapes', trainSubset: 256, testSubset: 256 };
  config.training.epochs = 1;
  const { runId } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  await expect(page.getByText('Not generated yet.')).toBeHidden({ timeout: 60_000 });
  await expect(page.getByTestId('sample-range')).toHaveText(/of 18,000$/);
  await expect(page.getByTestId('sample').first()).toBeVisible();
  await callHost(host, 'runs.cancel', { runId });
});

test('a clone started with one field changed differs from its run in that field only', async ({ page }) => {
  const [, b] = ids as [number, number];
  await page.goto(host.url);
  await waitCompleted(page, b);
  await page.getByTestId('clone-run').click();
  await expect(page.getByTestId('field-name')).toHaveValue('vae beta 1 (copy)');
  await page.getByTestId('field-training.epochs').fill('3');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('run-view')).not.toHaveAttribute('data-run-id', String(b));
  const clone = Number(await page.getByTestId('run-view').getAttribute('data-run-id'));
  const flat = (v: unknown, prefix = '', out: Record<string, string> = {}) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) flat(x, prefix ? `${prefix}.${k}` : k, out);
    } else out[prefix] = JSON.stringify(v);
    return out;
  };
  const before = flat((await callHost<{ config: unknown }>(host, 'runs.get', { runId: b })).config);
  const after = flat((await callHost<{ config: unknown }>(host, 'runs.get', { runId: clone })).config);
  const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
  expect(changed.sort()).toEqual(['name', 'training.epochs']);
  expect(after['training.epochs']).toBe('3');
  await callHost(host, 'runs.cancel', { runId: clone });
});

test('the SVG charts and the projector export too', async ({ page }) => {
  const [a, b] = ids as [number, number];
  await page.goto(host.url);
  await waitCompleted(page, a);
  await waitCompleted(page, b);
  const save = async (where: ReturnType<Page['getByTestId']>, kind: 'png' | 'svg' | 'csv') => {
    await where.getByTestId('chart-export').locator('summary').click();
    const [download] = await Promise.all([page.waitForEvent('download'), where.getByTestId(`chart-export-${kind}`).click()]);
    return readFileSync(await download.path());
  };
  await page.goto(`${host.origin}/#/compare?runs=${a},${b}`);
  const parcoords = page.getByTestId('compare-parcoords-panel');
  await expect(parcoords.getByTestId('compare-parcoords')).toBeVisible();
  const svg = (await save(parcoords, 'svg')).toString('utf8');
  // Standalone: the view's colours inlined, no stylesheet needed.
  expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain('stroke:');
  expect((await save(parcoords, 'png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  // Two β runs open on the −ELBO, measured alike in both: their losses weigh the KL by their own β.
  await expect(page.getByTestId('compare-metric')).toHaveValue('test.neg_elbo');
  expect((await save(parcoords, 'csv')).toString('utf8').split('\n')[0]).toBe('run,name,model.beta,test.neg_elbo');

  // The Pareto front on the scatter: the runs no other beats on both axes, as the table's figures say.
  const scatter = page.getByTestId('compare-scatter');
  const [xKey, yKey] = [
    await scatter.getByTestId('compare-scatter-x').inputValue(),
    await scatter.getByTestId('compare-scatter-y').inputValue(),
  ];
  await scatter.getByTestId('compare-scatter-front').selectOption('min-min');
  const table = await callHost<{ rows: { id: number; metrics: Record<string, number> }[] }>(host, 'runs.table', {
    runIds: [a, b],
  });
  const beats = (p: { metrics: Record<string, number> }, q: { metrics: Record<string, number> }) =>
    p.metrics[xKey]! <= q.metrics[xKey]! &&
    p.metrics[yKey]! <= q.metrics[yKey]! &&
    (p.metrics[xKey]! < q.metrics[xKey]! || p.metrics[yKey]! < q.metrics[yKey]!);
  const onFront = table.rows.filter((r) => !table.rows.some((o) => o !== r && beats(o, r))).map((r) => r.id);
  const drawn = (await scatter.getByTestId('compare-scatter-front-line').getAttribute('data-runs'))?.split(',').map(Number);
  expect(drawn?.sort()).toEqual(onFront.sort());
  await scatter.screenshot({ path: join(shots, '37-compare-front.png') });

  await page.goto(`${host.origin}/#/runs/${a}/explore`);
  const projector = page.getByTestId('projector');
  await expect(projector.getByTestId('projector-canvas')).toBeVisible({ timeout: 60_000 });
  await expect.poll(() => page.evaluate(() => Boolean((window as { __projector?: unknown }).__projector))).toBe(true);
  expect((await save(projector, 'png')).subarray(1, 4).toString('latin1')).toBe('PNG');
  expect((await save(projector, 'svg')).toString('utf8')).toContain('<image');
  const csv = (await save(projector, 'csv')).toString('utf8').split('\n');
  expect(csv[0]).toMatch(/^test index,PC1 \([\d.]+ ?%\),PC2 \([\d.]+ ?%\),label$/);
  expect(csv.length).toBeGreaterThan(200);
});

test('a comparison of two families names the family, and draws each run across the axes it has', async ({ page }) => {
  const [a] = ids as [number];
  const config = await callHost<Config>(host, 'presets.get', { name: 'shallow-ae-mnist' });
  config.name = 'an autoencoder beside the VAE';
  config.dataset = { name: 'mnist', trainSubset: 256, testSubset: 256 };
  config.training.epochs = 1;
  const { runId: ae } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  await expect
    .poll(async () => (await callHost<{ status: string }>(host, 'runs.get', { runId: ae })).status, { timeout: 60_000 })
    .toBe('completed');
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/compare?runs=${a},${ae}`);
  // The family differs, and is what the runs are coloured by.
  await expect(page.getByTestId('compare-color-by')).toHaveValue('family');
  // The config table is drawn once it comes near the window.
  await page.getByTestId('compare-images').scrollIntoViewIfNeeded();
  const familyRow = page.getByTestId('compare-config').locator('tr[data-path="family"] td');
  await expect(familyRow).toHaveText(['vae', 'autoencoder']);
  // The autoencoder has no β: its line is bridged over that axis, not dropped.
  const parcoords = page.getByTestId('compare-parcoords');
  for (const id of [a, ae]) {
    const drawn = await parcoords
      .locator(`[data-run-id="${id}"] path.line`)
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('d') ?? '').join(''));
    expect(drawn, `run ${id}`).toMatch(/^M[\d.]+,[\d.]+L/);
  }
  await page.getByTestId('compare-parcoords-panel').screenshot({ path: join(shots, '111-compare-two-families.png') });
  await callHost(host, 'runs.delete', { runId: ae });
});

test('the test figures show as the run trains, not only when it ends', async ({ page }) => {
  const config = await callHost<Config>(host, 'presets.get', { name: 'beta-vae-4' });
  config.name = 'long enough to watch';
  config.dataset = { name: 'mnist', trainSubset: 256, testSubset: 256 };
  config.training.epochs = 40;
  const { runId } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/runs/${runId}`);
  // After its first epoch the test loss and −ELBO are figures, while the run still trains.
  await expect(page.getByTestId('metric-test-loss')).toHaveText(/^\d/, { timeout: 120_000 });
  await expect(page.getByTestId('metric-neg-elbo')).toHaveText(/^\d/);
  await expect(page.getByTestId('run-view').getByTestId('status')).toHaveText('running');
  await callHost(host, 'runs.cancel', { runId });
});

test('the table drops a run deleted elsewhere from its selection; no match names every filter and clears them', async ({
  page,
}) => {
  const [a] = ids as [number];
  const config = await callHost<Config>(host, 'presets.get', { name: 'beta-vae-4' });
  config.name = 'to be deleted';
  config.dataset = { name: 'mnist', trainSubset: 256, testSubset: 256 };
  config.training.epochs = 1;
  const { runId: c } = await callHost<{ runId: number }>(host, 'runs.start', { config });
  await expect
    .poll(async () => (await callHost<{ status: string }>(host, 'runs.get', { runId: c })).status, { timeout: 60_000 })
    .toBe('completed');
  await page.goto(host.url);
  await page.goto(`${host.origin}/#/table`);
  const row = (id: number) => page.locator(`[data-testid="runs-table-row"][data-run-id="${id}"]`);
  await row(a).getByTestId('row-select').check();
  await row(c).getByTestId('row-select').check();
  await expect(page.getByTestId('compare-selected')).toHaveText('Compare selected (2)');
  // A second window compares the two.
  const other = await page.context().newPage();
  await other.goto(`${host.origin}/#/compare?runs=${a},${c}`);
  await expect(other.getByTestId('compare-view')).toContainText('Compare 2 runs');
  // Its table read (with the run in it): deleted before that, the run would be one the comparison never had.
  await expect(other.getByTestId('compare-view')).toContainText('to be deleted');
  await expect(other.getByTestId('compare-gone')).toHaveCount(0);
  // Deleted by another window (here, the API): its row goes, and so does its place in the selection.
  await callHost(host, 'runs.delete', { runId: c });
  await expect(row(c)).toHaveCount(0);
  // The comparison says it is gone, rather than show it as if it were there.
  await expect(other.getByTestId('compare-gone')).toHaveText(`Run ${c} was deleted since: what is shown of it is from before.`);
  await other.screenshot({ path: join(shots, '105-compare-run-gone.png') });
  await other.close();
  await expect(page.getByTestId('compare-selected')).toHaveText('Compare selected (1)');
  await expect(page.getByTestId('compare-selected')).toBeDisabled();

  // A status and a column condition that no run passes: the message names both, and one click clears them.
  await page.getByTestId('filter-status').selectOption('completed');
  await page.getByTestId('filter-field').selectOption('metric:test.loss');
  await page.getByTestId('filter-value').fill('< -1000');
  await expect(page.getByTestId('table-no-match')).toContainText('passes the filters: status completed, test.loss < -1000.');
  await page.getByTestId('clear-filters').click();
  await expect(page.getByTestId('filter-value')).toHaveValue('');
  await expect(page.getByTestId('filter-status')).toHaveValue('');
  await expect(page.getByTestId('runs-table-row').first()).toBeVisible();
});

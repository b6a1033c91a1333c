import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type sharpFn from 'sharp';
import { startHost, type RunningHost, callHost } from './host';

const root = join(import.meta.dirname, '..', '..');
const shots = join(root, 'test-results', 'screenshots');
/** The model rebuilt outside the studio from config + checkpoint (the core's rebuild functions), in a fresh process. */
const ownDecodingScript = join(root, 'tests', 'integration', 'own-decoding.ts');
const sharp = createRequire(import.meta.url)('sharp') as typeof sharpFn;
let dir: string;
let host: RunningHost | undefined;

/** A tiny deepfake (A = digit 3, B = digit 8), trained beside the first test's AE (two runs at once on two cores). */
let deepfakeRunId: Promise<number>;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-explore-'));
  host = await startHost(join(dir, 'studio.db'));
  const h = host;
  deepfakeRunId = (async () => {
    const dense = { type: 'dense', units: 64, activation: 'relu' };
    const preset = await call<Record<string, Record<string, unknown>>>(h, 'presets.get', { name: 'deepfake-digits-3-8' });
    const config = {
      ...preset,
      name: 'tiny deepfake to explore',
      backend: 'wasm',
      dataset: { ...preset['dataset'], trainSubset: 1000, testSubset: 100 },
      model: { ...preset['model'], encoder: [dense], latentSize: 8, decoder: [dense] },
      training: { ...preset['training'], epochs: 1, batchSize: 20, learningRate: 0.005, seed: 2 },
    };
    return (await call<{ runId: number }>(h, 'runs.start', { config })).runId;
  })();
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = callHost;

interface RunDetail {
  status: string;
  config: { backend?: string };
  checkpoints: { epoch: number; path: string }[];
}

/**
 * The model's own decoding, from a child process that rebuilds it from the run's config and newest checkpoint (the
 * core's rebuild functions) as soon as it starts, then decodes the z it is handed: 8-bit pixels per row.
 */
function ownDecoder(run: RunDetail): (z: number[][]) => Promise<Uint8Array[]> {
  const checkpoint = run.checkpoints.at(-1);
  if (!checkpoint) throw new Error('the run has no checkpoint');
  const setup = { config: run.config, datasetsRoot: join(dir, 'datasets'), checkpointPath: checkpoint.path };
  const child = spawn(process.execPath, ['--import', 'tsx', ownDecodingScript, JSON.stringify(setup)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return async (z) => {
    child.stdin.end(JSON.stringify({ z }));
    const code = await exited;
    if (code !== 0) throw new Error(`own-decoding.ts failed (${code}):\n${err}`);
    const answer = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { pixels: string[] };
    return answer.pixels.map((p) => new Uint8Array(Buffer.from(p, 'base64')));
  };
}

/** What the page shows: the z it says it decoded, and the canvas's pixels (gray: the red channel, checked equal to G and B). */
async function shownImage(page: Page) {
  const canvas = page.getByTestId('decoded-image').first();
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    const gray: number[] = [];
    let colourful = 0;
    for (let i = 0; i < data.length; i += 4) {
      gray.push(data[i]!);
      if (data[i] !== data[i + 1] || data[i] !== data[i + 2] || data[i + 3] !== 255) colourful++;
    }
    return { z: JSON.parse(c.dataset['z'] ?? 'null') as number[], hash: c.dataset['pixelsHash'] ?? '', gray, colourful };
  });
}

/** The values the sliders hold now, as the page's number fields show them. */
async function sliderValues(page: Page): Promise<number[]> {
  return page
    .locator('[data-testid^="latent-value-"]')
    .evaluateAll((els) => els.map((e) => Number((e as HTMLInputElement).value)));
}

test('a slider moves the decoded image, which is the model’s own decoding of the z shown, pixel for pixel', async ({ page }) => {
  test.setTimeout(90_000);
  if (!host) throw new Error('host not started');
  const h = host;
  const t0 = Date.now();
  const mark = (what: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  const dense = { type: 'dense', units: 64, activation: 'relu' };
  const preset = await call<Record<string, Record<string, unknown>>>(h, 'presets.get', { name: 'deep-ae-mnist' });
  const config = {
    ...preset,
    name: 'tiny ae to explore',
    backend: 'wasm',
    dataset: { name: 'mnist', trainSubset: 1000, testSubset: 100 },
    model: { ...preset['model'], encoder: [dense], latentSize: 6, decoder: [dense] },
    training: { ...preset['training'], loss: 'bce', epochs: 1, batchSize: 20, learningRate: 0.005, seed: 2 },
  };
  const { runId } = await call<{ runId: number }>(h, 'runs.start', { config });
  await page.goto(h.url);
  await expect.poll(async () => (await call<RunDetail>(h, 'runs.get', { runId })).status, { timeout: 60_000 }).toBe('completed');

  mark('trained');
  // The model rebuilt outside the studio, loading while the page opens the explorer.
  const decodeHere = ownDecoder(await call<RunDetail>(h, 'runs.get', { runId }));
  await page.locator(`[data-run-id="${runId}"] button.row`).click();
  await page.getByTestId('explore-run').click();
  const view = page.getByTestId('explore-view');
  await expect(view).toBeVisible();
  const image = page.getByTestId('decoded-image').first();
  // It starts from test image 0's code.
  await expect(image).toHaveAttribute('data-z', /^\[/, { timeout: 30_000 });
  await expect(page.getByTestId('explore-source')).toHaveText('from test image 0');
  await expect(page.locator('[data-testid^="latent-slider-"]')).toHaveCount(6);
  mark('explorer shown');
  await page.screenshot({ path: join(shots, '80-explore-view.png'), fullPage: true });
  const before = await shownImage(page);

  // The keyboard moves the first slider: each press is an input event; the newest value wins.
  const slider = page.getByTestId('latent-slider-0');
  await slider.focus();
  for (let i = 0; i < 25; i++) await page.keyboard.press('ArrowRight');
  const wanted = await sliderValues(page);
  expect(wanted[0]).not.toBe(before.z[0]);
  await expect.poll(async () => (await shownImage(page)).z, { timeout: 10_000 }).toEqual(wanted);
  const after = await shownImage(page);
  expect(after.hash).not.toBe(before.hash);
  // No longer test image 0's code: the start says so, and its thumbnail is no longer marked as the current one.
  await expect(page.getByTestId('explore-source')).toHaveText('from test image 0, edited');
  expect(after.colourful).toBe(0);
  mark('slider moved');
  await page.screenshot({ path: join(shots, '81-explore-slider-moved.png'), fullPage: true });

  // The model's own decoding of the same z, computed here from the run's config and checkpoint.
  const [expected, expectedBefore] = await decodeHere([after.z, before.z]);
  expect(after.gray).toEqual(Array.from(expected!));
  expect(before.gray).toEqual(Array.from(expectedBefore!));
  mark('own decoding compared');
  // And the number field drives it too.
  await page.getByTestId('latent-value-2').fill('-1.5');
  await page.getByTestId('latent-value-2').press('Enter');
  await expect.poll(async () => (await shownImage(page)).z[2]).toBe(-1.5);

  // Interpolation between two test images, spherical, as a strip; exported as PNG and animated GIF.
  await page.getByTestId('explore-thumb-1').click();
  await expect(page.getByTestId('explore-source')).toHaveText('from test image 1');
  // The test image box says the image the sliders start from.
  await expect(page.getByTestId('explore-index')).toHaveValue('1');
  await page.getByTestId('explore-set-a').click();
  await page.getByTestId('explore-thumb-7').click();
  await page.getByTestId('explore-set-b').click();
  await page.getByTestId('explore-steps').fill('8');
  await page.getByTestId('explore-interpolate').click();
  await expect(page.getByTestId('explore-strip')).toHaveAttribute('data-steps', '8');
  await page.getByTestId('explore-strips').scrollIntoViewIfNeeded();
  mark('interpolated');
  await page.screenshot({ path: join(shots, '82-explore-interpolation.png'), fullPage: true });
  const [gifDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-gif').click()]);
  const gif = readFileSync(await gifDownload.path());
  const gifInfo = await sharp(gif, { animated: true }).metadata();
  expect(gifInfo).toMatchObject({ format: 'gif', pages: 8, width: (28 + 4) * 4 });
  const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
  expect(pngDownload.suggestedFilename()).toBe(`run-${runId}-spherical-interpolation.png`);
  const pngInfo = await sharp(readFileSync(await pngDownload.path())).metadata();
  expect(pngInfo).toMatchObject({ format: 'png', width: (8 * 28 + 9 * 2) * 4, height: (28 + 4) * 4 });

  mark('exported');
  // A traversal of one dimension.
  await page.getByTestId('explore-traverse-dim').selectOption('3');
  await page.getByTestId('explore-steps').fill('12');
  await page.getByTestId('explore-traverse').click();
  // Newest first, the interpolation kept below it to compare.
  await expect(page.getByTestId('explore-strip')).toHaveCount(2);
  await expect(page.getByTestId('explore-strip-caption').first()).toContainText('z4 from');
  await expect(page.getByTestId('explore-strip').first()).toHaveAttribute('data-steps', '12');
  await expect(page.getByTestId('explore-strip').nth(1)).toHaveAttribute('data-steps', '8');
  await page.screenshot({ path: join(shots, '83-explore-traversal.png'), fullPage: true });
  // Put away, the interpolation goes; the traversal stays.
  await page.getByTestId('explore-strip-remove').nth(1).click();
  await expect(page.getByTestId('explore-strip')).toHaveCount(1);
  await expect(page.getByTestId('explore-strip-caption')).toContainText('z4 from');

  // A sample: for an AE, from a Gaussian fitted to the test codes, seeded.
  await page.getByTestId('explore-seed').fill('5');
  await page.getByTestId('explore-sample').click();
  await expect(page.getByTestId('explore-source')).toContainText('seed 5');
  await expect.poll(async () => (await shownImage(page)).z).toEqual(await sliderValues(page));
  // The traversal made before still says where its other dimensions were held: test image 7's code, not the sample's.
  await expect(page.getByTestId('explore-strip-caption')).toContainText('as the sliders held them (test image 7)');
  await page.screenshot({ path: join(shots, '84-explore-sample.png'), fullPage: true });

  // Left for the run's page and come back to, the explorer has the strip and the points A and B still.
  await page.evaluate((id) => (location.hash = `#/runs/${id}`), runId);
  await expect(page.getByTestId('explore-strips')).toHaveCount(0);
  await page.evaluate((id) => (location.hash = `#/runs/${id}/explore`), runId);
  await expect(page.getByTestId('explore-strip-caption')).toContainText('as the sliders held them (test image 7)');
  await expect(page.getByTestId('explore-strip')).toHaveAttribute('data-steps', '12');
  await expect(page.getByText('A: test image 1 · B: test image 7')).toBeVisible();
  // Decoded from the checkpoint the sliders decode: no word of another epoch.
  await expect(page.getByTestId('explore-strip-epoch')).toHaveCount(0);
  mark('done');
});

test('the deepfake’s code is decoded by A’s and B’s decoders side by side, and a slider steers both', async ({ page }) => {
  test.setTimeout(60_000);
  if (!host) throw new Error('host not started');
  const h = host;
  const runId = await deepfakeRunId;
  await expect.poll(async () => (await call<RunDetail>(h, 'runs.get', { runId })).status, { timeout: 60_000 }).toBe('completed');
  await page.goto(h.url);
  await page.locator(`[data-run-id="${runId}"] button.row`).click();
  await page.getByTestId('explore-run').click();
  const images = page.getByTestId('decoded-image');
  await expect(images).toHaveCount(2);
  await expect(images.nth(0)).toHaveAttribute('data-decoder', 'a');
  await expect(images.nth(1)).toHaveAttribute('data-decoder', 'b');
  await expect(images.nth(1)).toHaveAttribute('data-z', /^\[/, { timeout: 30_000 });
  const hashes = async () => Promise.all([0, 1].map((i) => images.nth(i).getAttribute('data-pixels-hash')));
  const [a, b] = await hashes();
  // One code, two decoders: two different images.
  expect(a).not.toBe(b);
  await page.getByTestId('latent-slider-1').focus();
  for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
  const wanted = await sliderValues(page);
  await expect.poll(async () => JSON.parse((await images.nth(1).getAttribute('data-z')) ?? 'null') as unknown).toEqual(wanted);
  expect(await images.nth(0).getAttribute('data-z')).toBe(await images.nth(1).getAttribute('data-z'));
  const [a2, b2] = await hashes();
  expect(a2).not.toBe(a);
  expect(b2).not.toBe(b);
  // The strips decode through both: a row per decoder.
  await page.getByTestId('explore-steps').fill('8');
  await page.getByTestId('explore-traverse').click();
  await expect(page.getByTestId('explore-strip')).toHaveAttribute('data-steps', '8');
  await expect(page.getByTestId('explore-strip-row')).toHaveText(['decoder A', 'decoder B']);
  await page.screenshot({ path: join(shots, '85-explore-deepfake.png'), fullPage: true });
  await page.getByTestId('explore-strips').screenshot({ path: join(shots, '85a-explore-deepfake-strip.png') });

  // Left before its session has opened: the session is closed as soon as it opens, not left to idle out.
  await page.goto(`${h.origin}/#/runs/${runId}`);
  await page.route('**/api/explorer.open', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  const closes: string[] = [];
  page.on('request', (req) => {
    if (req.url().endsWith('/api/explorer.close')) closes.push(req.postData() ?? '');
  });
  const opening = page.waitForResponse('**/api/explorer.open');
  await page.getByTestId('explore-run').click();
  await page.getByTestId('open-datasets').click();
  const opened = (await (await opening).json()) as { value: { sessionId: string } };
  await expect
    .poll(() => closes.map((c) => (JSON.parse(c) as { sessionId: string }).sessionId))
    .toContain(opened.value.sessionId);
});

test('a run whose decoder stopped training (DEC) is explored with a word that its images say nothing of it', async ({ page }) => {
  test.setTimeout(60_000);
  if (!host) throw new Error('host not started');
  const h = host;
  const runId = await deepfakeRunId;
  await expect.poll(async () => (await call<RunDetail>(h, 'runs.get', { runId })).status, { timeout: 60_000 }).toBe('completed');
  // The run's detail as a DEC run's reads (runs.get names why its reconstructions are no measure of it).
  const why = 'DEC drops its decoder once clustering starts';
  await page.route('**/api/runs.get', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { value: Record<string, unknown> };
    await route.fulfill({ response, json: { ...body, value: { ...body.value, untrainedDecoder: why } } });
  });
  await page.goto(h.url);
  await page.goto(`${h.origin}/#/runs/${runId}/explore`);
  await expect(page.getByTestId('explore-untrained-decoder')).toHaveText(`⚠ ${why}.`);
});

test('left while a decode is on its way, the explorer opens no new session for the view that went', async ({ page }) => {
  test.setTimeout(60_000);
  if (!host) throw new Error('host not started');
  const h = host;
  const runId = await deepfakeRunId;
  await expect.poll(async () => (await call<RunDetail>(h, 'runs.get', { runId })).status, { timeout: 60_000 }).toBe('completed');
  // Decodes over HTTP (a setting of the page), so that the test can hold one back.
  await page.addInitScript(() => localStorage.setItem('latent-studio.explorer.channel', 'http'));
  await page.goto(h.url);
  await page.locator(`[data-run-id="${runId}"] button.row`).click();
  await page.getByTestId('explore-run').click();
  await expect(page.getByTestId('decoded-image').nth(1)).toHaveAttribute('data-z', /^\[/, { timeout: 30_000 });
  const opens: string[] = [];
  page.on('request', (req) => {
    if (req.url().endsWith('/api/explorer.open')) opens.push(req.url());
  });
  await page.route('**/api/explorer.decode', async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue();
  });
  const answered = page.waitForResponse('**/api/explorer.decode');
  const requested = page.waitForRequest('**/api/explorer.decode');
  await page.getByTestId('latent-slider-1').focus();
  await page.keyboard.press('ArrowLeft');
  await requested;
  await page.getByTestId('open-datasets').click();
  // The view's session was closed as it went; the decode arrives after, and is told so.
  const answer = (await (await answered).json()) as { error?: { message: string } };
  expect(answer.error?.message).toMatch(/has ended: it was closed/);
  await page.waitForTimeout(1000);
  expect(opens).toEqual([]);
});

test('sampling the prior of an AAE with the ring of ten Gaussians draws from the ring, and says so', async ({ page }) => {
  test.setTimeout(60_000);
  if (!host) throw new Error('host not started');
  const h = host;
  const preset = await call<Record<string, Record<string, unknown>>>(h, 'presets.get', { name: 'aae-mixture-2d' });
  const dense = { type: 'dense', units: 64, activation: 'relu' };
  const config = {
    ...preset,
    name: 'tiny aae ring',
    backend: 'wasm',
    dataset: { ...preset['dataset'], trainSubset: 500, testSubset: 100 },
    model: { ...preset['model'], encoder: [dense], decoder: [dense], discriminator: [32] },
    training: { ...preset['training'], epochs: 1, batchSize: 50 },
  };
  const { runId } = await call<{ runId: number }>(h, 'runs.start', { config });
  await expect.poll(async () => (await call<RunDetail>(h, 'runs.get', { runId })).status, { timeout: 45_000 }).toBe('completed');
  await page.goto(h.url);
  await page.locator(`[data-run-id="${runId}"] button.row`).click();
  await page.getByTestId('explore-run').click();
  await expect(page.getByTestId('decoded-image').first()).toHaveAttribute('data-z', /^\[/, { timeout: 30_000 });
  await page.getByTestId('explore-seed').fill('3');
  await page.getByTestId('explore-sample').click();
  await expect(page.getByTestId('explore-source')).toContainText("sample of the model's own prior, draw 3 of 100");
  // On the ring of radius 4, where N(0, I) would put it near the middle.
  const z = await sliderValues(page);
  expect(Math.hypot(z[0] ?? 0, z[1] ?? 0)).toBeGreaterThan(2);
  await page.screenshot({ path: join(shots, '86-explore-aae-ring-sample.png'), fullPage: true });
});

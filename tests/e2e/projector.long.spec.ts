import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startHost, type RunningHost, callHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let dir: string;
let host: RunningHost | undefined;
/** The step gate (src/core/training/step-gate.ts): the run is held in its second epoch while the page opens. */
let gate: string;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-projector-'));
  mkdirSync(shots, { recursive: true });
  gate = join(dir, 'gate.json');
  // In the second epoch (16 steps an epoch): after the first epoch's checkpoint.
  writeFileSync(gate, JSON.stringify({ step: 20 }));
  host = await startHost(join(dir, 'studio.db'), [], { ...process.env, LATENT_STUDIO_TEST_GATE: gate });
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = callHost;

/** What the projector exposes on `window.__projector`: the drawn points and the map from data to canvas pixels. */
interface Probe {
  method: string;
  indices: Uint32Array;
  xy: Float32Array;
  view: { sx: number; sy: number; ox: number; oy: number };
  plot: { left: number; top: number; width: number; height: number };
  /** How long each recent draw took, in ms. */
  drawTimes: number[];
  /** The outline of the last brush or lasso, in data coordinates; null without one. */
  shape: [number, number][] | null;
}

/**
 * A drawn point that stands apart (the farthest from its nearest neighbour, up to `clear` pixels; nearer the plot's
 * centre among equals), so the cursor on it can mean no other: its index and canvas position.
 */
async function isolatedPoint(page: Page, clear: number): Promise<{ index: number; x: number; y: number; gap: number }> {
  return page.evaluate((clear) => {
    const p = (window as unknown as { __projector: Probe }).__projector;
    const n = p.indices.length;
    const sx = new Float64Array(n);
    const sy = new Float64Array(n);
    const cells = new Map<string, number[]>();
    for (let k = 0; k < n; k++) {
      sx[k] = p.xy[2 * k]! * p.view.sx + p.view.ox;
      sy[k] = p.xy[2 * k + 1]! * p.view.sy + p.view.oy;
      const key = `${Math.floor(sx[k]! / clear)},${Math.floor(sy[k]! / clear)}`;
      const cell = cells.get(key);
      if (cell) cell.push(k);
      else cells.set(key, [k]);
    }
    const cx = p.plot.left + p.plot.width / 2;
    const cy = p.plot.top + p.plot.height / 2;
    let best = -1;
    let bestGap = -1;
    let bestD = Infinity;
    for (let k = 0; k < n; k++) {
      const gx = Math.floor(sx[k]! / clear);
      const gy = Math.floor(sy[k]! / clear);
      let gap = clear;
      for (let dx = -1; dx <= 1; dx++) {
        for (let dy = -1; dy <= 1; dy++) {
          for (const j of cells.get(`${gx + dx},${gy + dy}`) ?? []) {
            if (j !== k) gap = Math.min(gap, Math.hypot(sx[j]! - sx[k]!, sy[j]! - sy[k]!));
          }
        }
      }
      const d = Math.hypot(sx[k]! - cx, sy[k]! - cy);
      if (gap > bestGap || (gap === bestGap && d < bestD)) [best, bestGap, bestD] = [k, gap, d];
    }
    return { index: p.indices[best]!, x: sx[best]!, y: sy[best]!, gap: bestGap };
  }, clear);
}

/** How many drawn points lie in the canvas rectangle [x0, x1] × [y0, y1], from the exposed coordinates and transform. */
async function pointsInside(page: Page, x0: number, y0: number, x1: number, y1: number): Promise<number> {
  return page.evaluate(
    ({ x0, y0, x1, y1 }) => {
      const p = (window as unknown as { __projector: Probe }).__projector;
      let inside = 0;
      for (let k = 0; k < p.indices.length; k++) {
        const x = p.xy[2 * k]! * p.view.sx + p.view.ox;
        const y = p.xy[2 * k + 1]! * p.view.sy + p.view.oy;
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) inside++;
      }
      return inside;
    },
    { x0, y0, x1, y1 },
  );
}

test('the projector draws 10,000 MNIST test codes with PCA and UMAP: hover shows the image, a brush selects, pan and zoom stay smooth', async ({
  page,
}) => {
  test.setTimeout(120_000);
  if (!host) throw new Error('host not started');
  const h = host;
  const started = Date.now();
  const lap = (what: string) => console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // A tiny AE (784-32-8), two epochs on 1,000 training images; its test split is MNIST's whole 10,000.
  const preset = await call<Record<string, Record<string, unknown>>>(h, 'presets.get', { name: 'shallow-ae-mnist' });
  const dense = { type: 'dense', units: 32, activation: 'relu' };
  const config = {
    ...preset,
    name: 'projector ae',
    backend: 'wasm',
    dataset: { name: 'mnist', trainSubset: 1000, testSubset: 10000 },
    model: { ...preset['model'], encoder: [dense], latentSize: 8, decoder: [dense] },
    training: { ...preset['training'], epochs: 2, batchSize: 64, learningRate: 0.003, seed: 1 },
  };
  const { runId } = await call<{ runId: number }>(h, 'runs.start', { config });
  await page.goto(h.url);
  // Opened while the run trains (held in its second epoch): the sliders open its first epoch's checkpoint, the
  // projector (which reads a stopped run's codes) waits, and both take the last checkpoint once the run stops.
  await expect.poll(() => existsSync(`${gate}.held`), { timeout: 60_000 }).toBe(true);
  await page.goto(`${h.origin}/#/runs/${runId}/explore`);
  await expect(page.getByTestId('projector-waiting')).toContainText(`Run ${runId} is training`);
  await expect(page.getByTestId('explore-view')).toContainText('checkpoint of epoch 1');
  writeFileSync(gate, JSON.stringify({ step: -1 }));
  await expect
    .poll(async () => (await call<{ status: string }>(h, 'runs.get', { runId })).status, { timeout: 60_000 })
    .toBe('completed');
  lap('trained');
  await expect(page.getByTestId('explore-view')).toContainText('checkpoint of epoch 2', { timeout: 30_000 });

  const projector = page.getByTestId('projector');
  const canvas = page.getByTestId('projector-canvas');
  await expect(canvas).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(canvas).toHaveAttribute('data-method', 'pca');
  await expect(canvas).toHaveAttribute('data-points', '10000');
  lap('PCA drawn');
  await projector.scrollIntoViewIfNeeded();
  await projector.screenshot({ path: join(shots, '90-projector-pca.png') });

  // UMAP with few neighbours and epochs, so that 10,000 points take seconds.
  await page.getByTestId('projector-method').selectOption('umap');
  // A parameter out of its range is said beside the form, naming it; nothing runs until it is right.
  await page.getByTestId('projector-umap-min-dist').fill('15');
  await expect(page.getByTestId('projector-param-error')).toHaveText('min dist: 15 is not from 0 to 1');
  await expect(page.getByTestId('projector-umap-min-dist')).toHaveAttribute('aria-invalid', 'true');
  await page.getByTestId('projector-umap-min-dist').fill('0.1');
  await expect(page.getByTestId('projector-param-error')).toHaveCount(0);
  await page.getByTestId('projector-umap-neighbors').fill('8');
  await page.getByTestId('projector-umap-epochs').fill('40');
  await expect(page.getByTestId('projector-progress')).toBeVisible();
  await expect(canvas).toHaveAttribute('data-method', 'umap', { timeout: 60_000 });
  await expect(canvas).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(canvas).toHaveAttribute('data-points', '10000');
  await expect(page.getByTestId('projector-status')).toContainText('UMAP of 10,000 points');
  lap('UMAP drawn');
  await projector.screenshot({ path: join(shots, '91-projector-umap.png') });

  // Hover an isolated point: the card shows that test image (the same PNG `datasets.samples` gives for its index).
  // The canvas's place on the page, measured again before each gesture (the views around it may grow meanwhile).
  let box = (await canvas.boundingBox())!;
  const point = await isolatedPoint(page, 8);
  expect(point.gap).toBeGreaterThan(2);
  console.log(
    `hover: test image ${point.index} at (${point.x.toFixed(1)}, ${point.y.toFixed(1)}), ${point.gap.toFixed(1)} px from its nearest neighbour`,
  );
  await page.mouse.move(box.x + point.x, box.y + point.y);
  const hover = page.getByTestId('projector-hover');
  await expect(hover).toHaveAttribute('data-index', String(point.index));
  const sample = await call<{ samples: { png: string; label: number }[] }>(h, 'datasets.samples', {
    name: 'mnist',
    split: 'test',
    offset: point.index,
    count: 1,
  });
  await expect(hover.getByTestId('projector-hover-image')).toHaveAttribute(
    'src',
    `data:image/png;base64,${sample.samples[0]!.png}`,
  );
  await expect(hover).toContainText(`#${point.index}`);
  await expect(hover).toContainText(String(sample.samples[0]!.label));
  await projector.screenshot({ path: join(shots, '92-projector-hover.png') });

  // A shift-drag brush: the selection counts exactly the points inside the rectangle.
  const plot = await page.evaluate(() => (window as unknown as { __projector: Probe }).__projector.plot);
  const [x0, y0] = [Math.round(plot.left + plot.width * 0.35), Math.round(plot.top + plot.height * 0.3)];
  const [x1, y1] = [Math.round(plot.left + plot.width * 0.6), Math.round(plot.top + plot.height * 0.55)];
  const expected = await pointsInside(page, x0, y0, x1, y1);
  expect(expected).toBeGreaterThan(0);
  box = (await canvas.boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + x0, box.y + y0);
  await page.mouse.down();
  await page.mouse.move(box.x + (x0 + x1) / 2, box.y + (y0 + y1) / 2, { steps: 4 });
  await page.mouse.move(box.x + x1, box.y + y1, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const selection = page.getByTestId('projector-selection');
  await expect(selection).toHaveAttribute('data-count', String(expected));
  console.log(`brush [${x0}, ${x1}] × [${y0}, ${y1}]: ${expected} points selected`);
  // The sliders start from the mean of every selected code (they took the first 256 once).
  await expect(page.getByTestId('explore-source')).toHaveText(
    `from mean code of ${expected.toLocaleString('en')} selected test image${expected === 1 ? '' : 's'}`,
  );
  await expect(selection.locator('img').first()).toBeVisible();
  await page.mouse.move(box.x + 5, box.y + 5);
  await expect(selection.locator('img')).toHaveCount(Math.min(50, expected), { timeout: 20_000 });
  await projector.screenshot({ path: join(shots, '93-projector-brush.png') });

  // An alt-drag lasso (a quadrilateral): the selection counts the points inside it (even-odd rule).
  const lasso: [number, number][] = [
    [plot.left + plot.width * 0.2, plot.top + plot.height * 0.6],
    [plot.left + plot.width * 0.5, plot.top + plot.height * 0.5],
    [plot.left + plot.width * 0.7, plot.top + plot.height * 0.8],
    [plot.left + plot.width * 0.3, plot.top + plot.height * 0.9],
  ].map(([x, y]) => [Math.round(x!), Math.round(y!)]);
  const inLasso = await page.evaluate((polygon) => {
    const p = (window as unknown as { __projector: Probe }).__projector;
    let inside = 0;
    for (let k = 0; k < p.indices.length; k++) {
      const x = p.xy[2 * k]! * p.view.sx + p.view.ox;
      const y = p.xy[2 * k + 1]! * p.view.sy + p.view.oy;
      let odd = false;
      for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
        const [xi, yi] = polygon[i]!;
        const [xj, yj] = polygon[j]!;
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
      }
      if (odd) inside++;
    }
    return inside;
  }, lasso);
  expect(inLasso).toBeGreaterThan(0);
  box = (await canvas.boundingBox())!;
  await page.keyboard.down('Alt');
  await page.mouse.move(box.x + lasso[0]![0], box.y + lasso[0]![1]);
  await page.mouse.down();
  for (const [x, y] of lasso.slice(1)) await page.mouse.move(box.x + x, box.y + y);
  await page.mouse.up();
  await page.keyboard.up('Alt');
  await expect(selection).toContainText('lasso');
  // The outline kept (data coordinates, exposed on the probe) is the one drawn, back on the canvas.
  const outline = await page.evaluate(() => {
    const p = (window as unknown as { __projector: Probe & { shape: [number, number][] } }).__projector;
    return p.shape.map(([x, y]) => [Math.round(x * p.view.sx + p.view.ox), Math.round(y * p.view.sy + p.view.oy)]);
  });
  expect(outline.slice(0, 4)).toEqual(lasso);
  await expect(selection).toHaveAttribute('data-count', String(inLasso));
  console.log(`lasso: ${inLasso} points selected`);

  // Frame times while panning (drag) then zooming (wheel) 10,000 points for about a second each.
  const drawsBefore = await page.evaluate(() => (window as unknown as { __projector: Probe }).__projector.drawTimes.length);
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  box = (await canvas.boundingBox())!;
  const cx = box.x + plot.left + plot.width / 2;
  const cy = box.y + plot.top + plot.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 1; i <= 60; i++) {
    await page.mouse.move(cx + 120 * Math.sin(i / 10), cy + 60 * Math.sin(i / 7));
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
  for (let i = 0; i < 40; i++) {
    await page.mouse.wheel(0, i < 25 ? -60 : 40);
    await page.waitForTimeout(16);
  }
  const frames = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(1);
  });
  const draws = await page.evaluate(
    (from) => (window as unknown as { __projector: Probe }).__projector.drawTimes.slice(from),
    drawsBefore,
  );
  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!;
    return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
  };
  console.log(`frame times (requestAnimationFrame deltas) over ${frames.length} frames of scripted pan + zoom: ${stats(frames)}`);
  console.log(`the projector's draws of 10,000 points during them: ${draws.length} draws, ${stats(draws)}`);
  expect(draws.length).toBeGreaterThan(30);
  expect(frames.length).toBeGreaterThan(30);
  await expect(canvas).toHaveAttribute('data-ready', 'true');
  await projector.screenshot({ path: join(shots, '94-projector-zoomed.png') });

  // t-SNE on a sample (exact t-SNE is O(n²)): the note says so, and the canvas draws what was sampled.
  await page.getByTestId('projector-method').selectOption('tsne');
  // The lasso drawn on UMAP's picture means nothing on t-SNE's: the selection and its outline are gone.
  await expect(selection).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __projector: Probe }).__projector.shape)).toBeNull();
  // While t-SNE computes, UMAP's picture stays, dimmed, and says it is UMAP's (its axes read UMAP 1 and 2).
  await expect(page.getByTestId('projector-stale')).toHaveText('the UMAP shown until the t-SNE is ready');
  await expect(canvas).toHaveAttribute('data-method', 'umap');
  await projector.screenshot({ path: join(shots, '94-projector-while-tsne.png') });
  await page.getByTestId('projector-tsne-points').fill('500');
  await page.getByTestId('projector-tsne-iterations').fill('200');
  await expect(canvas).toHaveAttribute('data-method', 'tsne', { timeout: 60_000 });
  await expect(canvas).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  await expect(page.getByTestId('projector-stale')).toHaveCount(0);
  await expect(canvas).toHaveAttribute('data-points', '500');
  await expect(page.getByTestId('projector-status')).toContainText('seeded sample of 500 of 10,000 points');
  await page.getByTestId('projector-legend-entry').nth(3).click();
  await projector.screenshot({ path: join(shots, '95-projector-tsne.png') });

  // A label's selection on a new sample (400 points): the label's points among those now drawn.
  const value = Number(/label (\d+)/.exec((await selection.textContent()) ?? '')?.[1]);
  const { labels } = await call<{ labels: number[] }>(h, 'runs.latents', { runId });
  await page.getByTestId('projector-tsne-points').fill('400');
  await expect(canvas).toHaveAttribute('data-points', '400', { timeout: 60_000 });
  await expect(canvas).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
  const drawnOfLabel = await page.evaluate(
    ({ value, labels }) =>
      Array.from((window as unknown as { __projector: Probe }).__projector.indices).filter((i) => labels[i] === value).length,
    { value, labels },
  );
  expect(drawnOfLabel).toBeGreaterThan(0);
  await expect(selection).toHaveAttribute('data-count', String(drawnOfLabel));

  // A brush on this picture, then a new run of t-SNE (fewer iterations) moves every point: the outline goes with it.
  box = (await canvas.boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + plot.left + plot.width * 0.1, box.y + plot.top + plot.height * 0.1);
  await page.mouse.down();
  await page.mouse.move(box.x + plot.left + plot.width * 0.9, box.y + plot.top + plot.height * 0.9, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(selection).toContainText('rectangle');
  await page.getByTestId('projector-tsne-iterations').fill('150');
  await expect(selection).toHaveCount(0, { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { __projector: Probe }).__projector.shape)).toBeNull();
  lap('done');
});

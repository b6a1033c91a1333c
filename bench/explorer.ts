/**
 * The explorer's live sliders, end to end: the headless host serves the built UI to Debian's Chromium, a VAE
 * 784-400-20 (one epoch on 2,000 MNIST images) is opened in the explore view, and a slider is moved programmatically
 * at a steady rate (an `input` event every 1/rate s, a triangle wave over its range) for a few seconds. Counted: the
 * decodes shown on screen per second, and each one's latency from the input event that asked for its z to the moment
 * its pixels are on the canvas (after the PNG's decode for PNG transfer, after putImageData for raw pixels), median
 * and p95. Three ways run in one bench: PNGs decoded by the page, a request per decode (what the view did first); raw
 * 8-bit pixels drawn with putImageData, a request each; and raw pixels with the calls on the page's open event socket
 * (the view's default). Beside them, where the time goes: explorer.decode with and without PNG encoding in the core
 * (a second studio in this process: the worker's round trip) and over HTTP from Node, and each decode's time from
 * request to drawn in the page. Figures only; the tests never time anything.
 * `npx tsx bench/explorer.ts` runs it alone.
 */
import { buildIsCurrent } from '../scripts/launch-plan.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../tests/e2e/chromium';
import { createStudio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';
import { startHost } from './ui-responsiveness';

const root = join(import.meta.dirname, '..');

/** How the view gets its images: PNGs or raw pixels, by a request each or on the open event socket. */
export interface Mode {
  transfer: 'png' | 'raw';
  channel: 'http' | 'socket';
}

export interface SliderFigures extends Mode {
  seconds: number;
  /** Input events sent (rate × seconds). */
  inputs: number;
  /** Decodes drawn on screen, and per second. */
  shown: number;
  decodesPerSecond: number;
  latencyMs: { median: number; p95: number; max: number };
  /** Share of the decodes shown within 100 ms of their input, and how many took longer. */
  within100ms: number;
  over100ms: number;
  /** Each shown decode's time from its request to its pixels drawn, median ms. */
  roundTripMs: number;
}

export interface ExplorerFigures {
  model: string;
  /** Input events per second the bench sends. */
  rate: number;
  sliders: SliderFigures[];
  /** explorer.decode of one row over HTTP, median ms of sequential calls, with PNG encoding and raw pixels only. */
  api: { pngMs: number; rawMs: number; calls: number };
  /** The same calls to the core in this process (no HTTP): the worker's round trip, and the PNG encoding. */
  inProcess: { pngMs: number; rawMs: number };
  /** Time to open a session (a worker rebuilds the model), ms. */
  openMs: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

async function api<T>(origin: string, token: string, name: string, input: unknown): Promise<T> {
  const res = await fetch(`${origin}/api/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
  return body.value;
}

/** Opens the run's explore view in one mode and moves slider 0 at `rate` inputs per second. */
async function moveSlider(
  page: Page,
  url: string,
  runId: number,
  mode: Mode,
  rate: number,
  seconds: number,
): Promise<SliderFigures> {
  await page.goto(url);
  await page.evaluate(
    `localStorage.setItem('latent-studio.explorer.transfer', ${JSON.stringify(mode.transfer)});` +
      `localStorage.setItem('latent-studio.explorer.channel', ${JSON.stringify(mode.channel)})`,
  );
  await page.reload();
  await page.locator(`[data-run-id="${runId}"] button.row`).click();
  await page.getByTestId('explore-run').click();
  // The first decode is drawn (its z set beside its pixels).
  await page.locator('[data-testid="decoded-image"][data-z]').first().waitFor({ timeout: 60_000 });
  // Warm: a few moves before the clock starts.
  const slider = page.getByTestId('latent-slider-0');
  await slider.focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(500);
  // Plain strings, not functions: tsx's transform would wrap named functions in a helper the page lacks.
  const result = await page.evaluate<{
    inputs: { at: number; z0: number }[];
    shown: { at: number; z0: number; ms: number }[];
  }>(`
    new Promise((resolve) => {
      const slider = document.querySelector('[data-testid="latent-slider-0"]');
      const min = Number(slider.min), max = Number(slider.max);
      const inputs = [], shown = [];
      const onShown = (e) => shown.push({ at: e.detail.at, z0: e.detail.z[0], ms: e.detail.ms });
      document.addEventListener('latent-studio:explorer-shown', onShown);
      const period = ${Math.round(rate * 2)};
      let n = 0;
      const t0 = performance.now();
      const timer = setInterval(() => {
        const phase = (n++ % period) / period;
        const wave = phase < 0.5 ? 2 * phase : 2 - 2 * phase;
        slider.value = String(min + 0.1 * (max - min) + 0.8 * (max - min) * wave);
        const at = performance.now();
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        inputs.push({ at, z0: Math.round(slider.valueAsNumber * 1e4) / 1e4 });
        if (at - t0 >= ${seconds * 1000}) {
          clearInterval(timer);
          // The last decode in flight lands.
          setTimeout(() => {
            document.removeEventListener('latent-studio:explorer-shown', onShown);
            resolve({ inputs, shown: shown.filter((s) => s.at >= t0) });
          }, 500);
        }
      }, ${1000 / rate});
    })
  `);
  const trips = result.shown.map((x) => x.ms).sort((a, b) => a - b);
  const latencies: number[] = [];
  for (const s of result.shown) {
    // The newest input before it that asked for this z.
    const input = [...result.inputs].reverse().find((i) => i.at <= s.at && i.z0 === s.z0);
    if (input) latencies.push(s.at - input.at);
  }
  latencies.sort((a, b) => a - b);
  return {
    ...mode,
    seconds,
    inputs: result.inputs.length,
    shown: result.shown.length,
    decodesPerSecond: result.shown.length / seconds,
    latencyMs: { median: quantile(latencies, 0.5), p95: quantile(latencies, 0.95), max: latencies.at(-1) ?? NaN },
    within100ms: latencies.filter((l) => l <= 100).length / Math.max(1, latencies.length),
    over100ms: latencies.filter((l) => l > 100).length,
    roundTripMs: quantile(trips, 0.5),
  };
}

export async function measureExplorer(options: { seconds?: number; rate?: number } = {}): Promise<ExplorerFigures | string> {
  const seconds = options.seconds ?? 5;
  const rate = options.rate ?? 60;
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}`;
  // Built again when any source is newer than the build: a bench of an older UI measures nothing of this one.
  if (!buildIsCurrent(root)) {
    const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' });
    if (build.status !== 0) return 'the UI could not be built (electron-vite build failed)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bench-explorer-'));
  const host = await startHost(join(dir, 'studio.db'));
  const { origin, searchParams } = new URL(host.url);
  const token = searchParams.get('token') ?? '';
  // The host is stopped whatever happens next, a browser that fails to start included.
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs }).catch((e: unknown) => {
    host.stop();
    throw e;
  });
  try {
    const preset = await api<Record<string, Record<string, unknown>>>(origin, token, 'presets.get', { name: 'vae-784-400-20' });
    const config = {
      ...preset,
      name: 'bench explorer vae-784-400-20',
      backend: 'wasm',
      dataset: { name: 'mnist', trainSubset: 2000, testSubset: 500 },
      training: { ...preset['training'], epochs: 1, batchSize: 64 },
    };
    const { runId } = await api<{ runId: number }>(origin, token, 'runs.start', { config });
    for (;;) {
      const { status } = await api<{ status: string }>(origin, token, 'runs.get', { runId });
      if (status === 'completed') break;
      if (status !== 'queued' && status !== 'running') return `the bench's run ended ${status}`;
      await new Promise((r) => setTimeout(r, 500));
    }

    // The API alone: where a decode's time goes without a browser.
    const t0 = performance.now();
    const { sessionId, latentSize } = await api<{ sessionId: string; latentSize: number }>(origin, token, 'explorer.open', {
      runId,
    });
    const openMs = performance.now() - t0;
    const calls = 200;
    const timeCalls = async (png: boolean) => {
      const ms: number[] = [];
      for (let i = 0; i < calls; i++) {
        const z = [Array.from({ length: latentSize }, (_, d) => Math.sin(i + d))];
        const t = performance.now();
        await api(origin, token, 'explorer.decode', { sessionId, z, png });
        ms.push(performance.now() - t);
      }
      return quantile(
        ms.sort((a, b) => a - b),
        0.5,
      );
    };
    await timeCalls(true); // warm-up
    const pngMs = await timeCalls(true);
    const rawMs = await timeCalls(false);
    await api(origin, token, 'explorer.close', { sessionId });

    // The core alone, in this process, on the same database (a second studio that adopts nothing): no HTTP.
    const core = createStudio({
      dbPath: join(dir, 'studio.db'),
      launcher: forkLauncher(),
      transport: 'headless',
      orchestrator: { adoptQueued: false },
    });
    const inProcess = { pngMs: NaN, rawMs: NaN };
    try {
      const session = await core.api['explorer.open']({ runId });
      const timeCore = async (png: boolean) => {
        const ms: number[] = [];
        for (let i = 0; i < calls; i++) {
          const z = [Array.from({ length: latentSize }, (_, d) => Math.cos(i + d))];
          const t = performance.now();
          await core.api['explorer.decode']({ sessionId: session.sessionId, z, png });
          ms.push(performance.now() - t);
        }
        return quantile(
          ms.sort((a, b) => a - b),
          0.5,
        );
      };
      await timeCore(true);
      inProcess.pngMs = await timeCore(true);
      inProcess.rawMs = await timeCore(false);
    } finally {
      await core.close();
    }

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const sliders: SliderFigures[] = [];
    // The view's first version (PNGs, a request each), raw pixels, then raw pixels on the event socket (its default).
    const modes: Mode[] = [
      { transfer: 'png', channel: 'http' },
      { transfer: 'raw', channel: 'http' },
      { transfer: 'raw', channel: 'socket' },
    ];
    for (const mode of modes) sliders.push(await moveSlider(page, host.url, runId, mode, rate, seconds));
    return { model: 'VAE 784-400-20 (MLP)', rate, sliders, api: { pngMs, rawMs, calls }, inProcess, openMs };
  } finally {
    await browser.close();
    host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function describeExplorer(f: ExplorerFigures | string): string[] {
  if (typeof f === 'string') return [`  not measured: ${f}`];
  const lines = [
    `  ${f.model}: a session opens in ${(f.openMs / 1000).toFixed(1)} s; explorer.decode of one row, median of ${f.api.calls}: ` +
      `in the studio's process (the worker's round trip) ${f.inProcess.pngMs.toFixed(1)} ms with PNG encoding, ${f.inProcess.rawMs.toFixed(1)} ms raw; ` +
      `over HTTP from Node ${f.api.pngMs.toFixed(1)} ms with PNG, ${f.api.rawMs.toFixed(1)} ms raw`,
  ];
  for (const s of f.sliders) {
    lines.push(
      `  slider moved ${f.rate}×/s for ${s.seconds} s, ${s.transfer === 'png' ? 'PNGs decoded by the page' : 'raw pixels, putImageData'}, ` +
        `${s.channel === 'http' ? 'a request per decode' : 'on the event socket'}: ` +
        `${s.decodesPerSecond.toFixed(1)} decodes/s on screen (goal ≥ 30), input → screen median ${s.latencyMs.median.toFixed(0)} ms, ` +
        `p95 ${s.latencyMs.p95.toFixed(0)} ms, max ${s.latencyMs.max.toFixed(0)} ms; ${(100 * s.within100ms).toFixed(1)}% within 100 ms (goal: all; ${s.over100ms} over); ` +
        `request to drawn ${s.roundTripMs.toFixed(0)} ms (median)`,
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await measureExplorer();
  for (const line of describeExplorer(figures)) console.log(line);
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
  process.exit(0);
}

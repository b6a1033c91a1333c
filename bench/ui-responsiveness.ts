/**
 * The studio's UI thread while a run trains: the headless host serves the built UI to Debian's Chromium,
 * a run starts from the page, and a PerformanceObserver collects every long task (> 50 ms, the browser's
 * own definition) while the run view updates live. Also the training loop's logging overhead, from the
 * run's progress events. Figures only; the tests never time anything.
 */
import { buildIsCurrent } from '../scripts/launch-plan.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../tests/e2e/chromium';

export interface UiFigures {
  seconds: number;
  longTasks: number;
  longestTaskMs: number;
  /** Longest gap between animation frames, ms. */
  longestFrameGapMs: number;
  loggingOverhead: number | null;
}

const root = join(import.meta.dirname, '..');

/** Starts `latent-studio serve` on a database and waits for the URL it prints. */
export async function startHost(db: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(root, 'bin', 'latent-studio.mjs'), 'serve', '--db', db], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open: (http\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`host exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function measureUi(seconds = 20): Promise<UiFigures | string> {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath}`;
  // Built again when any source is newer than the build: a bench of an older UI measures nothing of this one.
  if (!buildIsCurrent(root)) {
    const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' });
    if (build.status !== 0) return 'the UI could not be built (electron-vite build failed)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bench-ui-'));
  const host = await startHost(join(dir, 'studio.db'));
  // The host is stopped whatever happens next, a browser that fails to start included.
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs }).catch((e: unknown) => {
    host.stop();
    throw e;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Plain strings, not functions: tsx's transform would wrap named functions in a helper the page lacks.
    await page.addInitScript(`
      window.longTasks = [];
      window.frameGaps = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
      let last = performance.now();
      requestAnimationFrame(function frame(t) {
        window.frameGaps.push(t - last);
        last = t;
        requestAnimationFrame(frame);
      });
    `);
    const progress: number[] = [];
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        const m = /"loggingOverhead":([0-9.e-]+)/.exec(String(f.payload));
        if (m?.[1]) progress.push(Number(m[1]));
      }),
    );
    await page.goto(host.url);
    await page.getByTestId('field-dataset.trainSubset').fill('20000');
    await page.getByTestId('field-training.epochs').fill('50');
    // The observer must see a task we make long on purpose, or its zero would mean nothing.
    await page.evaluate('{ const t0 = performance.now(); while (performance.now() - t0 < 80) {} }');
    await page.waitForTimeout(300);
    const seen = await page.evaluate<number>('window.longTasks.filter((d) => d >= 80).length');
    if (seen === 0) return 'the long-task observer saw no task, not even an 80 ms one made on purpose';
    // Only what happens while training counts, not the first page load.
    await page.evaluate('window.longTasks.length = 0; window.frameGaps.length = 0;');
    await page.getByTestId('start-run').click();
    await page.getByTestId('run-view').waitFor();
    await page.waitForTimeout(seconds * 1000);
    const { longTasks, frameGaps } = await page.evaluate<{ longTasks: number[]; frameGaps: number[] }>(
      '({ longTasks: window.longTasks, frameGaps: window.frameGaps })',
    );
    return {
      seconds,
      longTasks: longTasks.length,
      longestTaskMs: longTasks.reduce((m, t) => Math.max(m, t), 0),
      longestFrameGapMs: frameGaps.reduce((m, t) => Math.max(m, t), 0),
      loggingOverhead: progress.at(-1) ?? null,
    };
  } finally {
    await browser.close();
    host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

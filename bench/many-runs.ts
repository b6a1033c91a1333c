/**
 * Reading many runs: 200 synthetic runs of 2,000 batch-loss points each (bench/seed-runs.ts), then
 * 1. the core's queries behind the runs list, the runs table, the comparison's curves and its image index,
 *    beside what the two-run comparison did before (runs.get + runs.metrics per run);
 * 2. the UI (Chromium on the headless host): time from opening the runs table to its 200 rows, and from
 *    opening the comparison of all 200 to its curves and image tiles drawn; and a re-render after a change.
 * Figures only; the tests never time anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedSyntheticRuns } from './seed-runs';
import { startHost } from './ui-responsiveness';
import { createStudio } from '../src/core/studio';
import { forkLauncher } from '../src/core/training/fork-launcher';

export interface ManyRunsFigures {
  runs: number;
  points: number;
  seedSeconds: number;
  /** Median milliseconds of each command over five calls. */
  queries: Record<string, number>;
  ui: Record<string, number> | { error: string };
}

async function median(times: number, f: () => Promise<unknown>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await f();
    out.push(performance.now() - t);
  }
  out.sort((a, b) => a - b);
  return Number((out[Math.floor(out.length / 2)] ?? NaN).toFixed(1));
}

async function measureUi(db: string, runs: number): Promise<Record<string, number>> {
  const { chromium } = await import('playwright-core');
  const { chromiumArgs, chromiumPath } = await import('../tests/e2e/chromium');
  const host = await startHost(db);
  // The host is stopped whatever happens next, a browser that fails to start included.
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs }).catch((e: unknown) => {
    host.stop();
    throw e;
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // The next frame after the DOM is updated: what is on screen.
    const painted = () =>
      page.evaluate(
        () =>
          new Promise<void>((resolve) =>
            (globalThis as unknown as { requestAnimationFrame: (f: () => void) => void }).requestAnimationFrame(() => resolve()),
          ),
      );
    await page.goto(host.url);
    await page.getByTestId('runs-list').waitFor();
    const figures: Record<string, number> = {};
    let t = performance.now();
    await page.getByTestId('open-runs-table').click();
    await page
      .getByTestId('runs-table-row')
      .nth(runs - 1)
      .waitFor();
    await painted();
    figures.runsTableFirstRenderMs = Math.round(performance.now() - t);
    t = performance.now();
    await page.locator('[data-testid=sort-column][data-column="metric:test.loss"]').click();
    await painted();
    figures.runsTableSortMs = Math.round(performance.now() - t);
    await page.getByTestId('select-all').check();
    t = performance.now();
    await page.getByTestId('compare-selected').click();
    await page.locator('[data-testid=compare-curves][data-ready=true] canvas').first().waitFor();
    await painted();
    figures.compareCurvesMs = Math.round(performance.now() - t);
    await page.getByTestId('compare-tile').first().locator('img').waitFor();
    await painted();
    figures.compareFirstRenderMs = Math.round(performance.now() - t);
    // Another metric: 2,000 points a run, read and drawn.
    const chart = page.locator('[data-testid=compare-curves] .chart');
    const before = await chart.getAttribute('data-points');
    t = performance.now();
    await page.getByTestId('compare-metric').selectOption('train.batch_loss');
    // Drawn: the panel is ready again (its curves read) and the chart holds other points than before.
    await page.waitForFunction((prev) => {
      const d = (
        globalThis as unknown as {
          document: { querySelector(s: string): { getAttribute(a: string): string | null } | null };
        }
      ).document;
      const ready = d.querySelector('[data-testid=compare-curves]')?.getAttribute('data-ready') === 'true';
      const points = d.querySelector('[data-testid=compare-curves] .chart')?.getAttribute('data-points');
      return ready && points !== prev;
    }, before);
    await painted();
    figures.compareChangeMetricMs = Math.round(performance.now() - t);
    return figures;
  } finally {
    await browser.close();
    host.stop();
  }
}

export async function measureManyRuns(o: { runs?: number; points?: number; ui?: boolean } = {}): Promise<ManyRunsFigures> {
  const runs = o.runs ?? 200;
  const points = o.points ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-bench-many-'));
  const db = join(dir, 'studio.db');
  try {
    let t = performance.now();
    const ids = await seedSyntheticRuns(db, { runs, points, epochs: 20 });
    const seedSeconds = Number(((performance.now() - t) / 1000).toFixed(1));
    const studio = createStudio({ dbPath: db, launcher: forkLauncher(), transport: 'headless' });
    const api = studio.api;
    const queries: Record<string, number> = {
      'runs.list (all)': await median(5, () => api['runs.list']({})),
      'runs.list (one run, a live update)': await median(5, () => api['runs.list']({ runIds: [ids[0] ?? 1] })),
      'runs.table (all)': await median(5, () => api['runs.table']({})),
      'runs.curves (test loss + batch loss, ≤1000 points)': await median(5, () =>
        api['runs.curves']({
          runIds: ids,
          metrics: [
            { split: 'test', name: 'loss' },
            { split: 'train', name: 'batch_loss' },
          ],
          maxPoints: 1000,
        }),
      ),
      'artifacts.index': await median(5, () => api['artifacts.index']({ runIds: ids })),
      'sweeps.list': await median(5, () => api['sweeps.list']({})),
      'before: runs.get + runs.metrics per run': await median(3, () =>
        Promise.all(ids.map(async (runId) => [await api['runs.get']({ runId }), await api['runs.metrics']({ runId })])),
      ),
    };
    await studio.close();
    let ui: ManyRunsFigures['ui'];
    if (o.ui === false) ui = { error: 'not measured (ui: false)' };
    else {
      t = performance.now();
      ui = await measureUi(db, runs).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
    }
    return { runs, points, seedSeconds, queries, ui };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

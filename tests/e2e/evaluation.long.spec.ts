import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

const call = callHost;

interface Evaluation {
  id: number;
  status: string;
  error: string | null;
  figures: Record<string, number>;
  details: {
    disentanglement?: { factors: string[]; mutualInformation: number[][]; chanceInformation?: number[][] };
    clustering?: { clusters: number };
  };
}

test('a finished VAE is evaluated from its run view: clustering, disentanglement and NLL, figures as stored', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const h = theHost();
  // A small Shapes set (labels: the shape; factors: shape, scale, orientation, x, y) and a small VAE on it.
  await call(h, 'datasets.generate', { generator: 'shapes', seed: 7, count: 2000, name: 'shapes-eval' });
  const preset = await call<Record<string, Record<string, unknown>>>(h, 'presets.get', { name: 'vae-784-400-20' });
  const dense = { type: 'dense', units: 64, activation: 'relu' };
  const config = {
    ...preset,
    name: 'vae on shapes',
    backend: 'wasm',
    dataset: { name: 'shapes-eval' },
    model: { ...preset['model'], encoder: [dense], latentSize: 6, decoder: [dense] },
    training: { ...preset['training'], epochs: 2, batchSize: 64, learningRate: 0.002, loss: 'bce', seed: 1 },
  };
  const { runId } = await call<{ runId: number }>(h, 'runs.start', { config });
  await page.goto(h.url);
  await expect
    .poll(async () => (await call<{ status: string }>(h, 'runs.get', { runId })).status, { timeout: 90_000 })
    .toBe('completed');

  await page.locator(`[data-run-id="${runId}"] button.row`).click();
  const panel = page.getByTestId('evaluation-panel');
  await panel.scrollIntoViewIfNeeded();
  // Shapes has labels and factors, and a VAE a likelihood: every kind is offered.
  for (const kind of ['clustering', 'probe', 'disentanglement', 'nll']) {
    await expect(panel.getByTestId(`evaluation-what-${kind}`)).toBeVisible();
  }
  await panel.getByTestId('evaluation-what-clustering').check();
  await panel.getByTestId('evaluation-what-probe').uncheck();
  await panel.getByTestId('evaluation-what-disentanglement').check();
  await panel.getByTestId('evaluation-what-nll').check();
  await panel.getByTestId('evaluation-seed').fill('3');
  await panel.getByTestId('evaluation-nll-samples').fill('20');
  const scorePoints = panel.getByTestId('evaluation-score-points');
  if (await scorePoints.isVisible()) await scorePoints.fill('40');
  const points = panel.getByTestId('evaluation-points');
  if (await points.isVisible()) await points.fill('300');
  await panel.getByTestId('evaluate').click();

  // Shown at once as queued or running, live from `evaluation.status`, then completed.
  const result = panel.getByTestId('evaluation-result').first();
  await expect(result).toHaveAttribute('data-status', /queued|running|completed/);
  await expect(result).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });

  const evaluations = await call<Evaluation[]>(h, 'evaluations.list', { runId });
  const e = evaluations.at(-1);
  expect(e?.status).toBe('completed');
  if (!e) return;
  expect(await result.getAttribute('data-evaluation-id')).toBe(String(e.id));
  // Numbered among this run's evaluations (its id, in the tooltip, counts every job of the studio).
  await expect(result.locator('.title')).toHaveText(`Evaluation ${evaluations.length}`);
  await expect(result.locator('.title')).toHaveAttribute('title', `job #${e.id} of the studio`);
  const expected = [
    ...['kmeans', 'gmm', 'pixels_kmeans'].flatMap((k) => ['acc', 'nmi', 'ari'].map((s) => `${k}_${s}`)),
    'mig',
    'sap',
    'dci_disentanglement',
    'dci_completeness',
    'dci_informativeness',
    'iw_nll',
    'neg_elbo',
    'active_units',
  ];
  for (const name of expected) expect(Object.keys(e.figures), name).toContain(name);
  // Every stored figure has its cell, holding the stored number, shown as a finite number.
  for (const [name, value] of Object.entries(e.figures)) {
    const cell = result.getByTestId(`evaluation-figure-${name}`);
    await expect(cell, name).toHaveCount(1);
    const shown = Number(await cell.getAttribute('data-value'));
    expect(Number.isFinite(shown), name).toBe(true);
    expect(shown, name).toBeCloseTo(value, 10);
    expect(await cell.textContent(), name).toMatch(/^\s*[−+-]?\d/);
  }
  await expect(result.getByTestId('evaluation-figure-kmeans_acc')).toHaveText(`${(100 * e.figures['kmeans_acc']!).toFixed(1)} %`);
  await expect(result.getByTestId('evaluation-figure-iw_nll')).toHaveText(`${e.figures['iw_nll']!.toFixed(2)} nats`);
  await expect(result.getByTestId('evaluation-figure-active_units')).toHaveText(`${e.figures['active_units']} / 6`);
  expect(e.figures['iw_nll']).toBeLessThanOrEqual(e.figures['neg_elbo']!);

  // The confusion matrix: the set's three classes down, as many clusters across.
  const datasets = await call<{ name: string; classes: number; factors: unknown[] }[]>(h, 'datasets.list', {});
  const shapes = datasets.find((d) => d.name === 'shapes-eval');
  expect(shapes?.classes).toBe(3);
  const confusion = result.getByTestId('confusion-matrix');
  await expect(confusion).toHaveAttribute('data-rows', String(shapes?.classes));
  await expect(confusion).toHaveAttribute('data-cols', String(e.details.clustering?.clusters));
  // For a screen reader, the same grid as a table: a row per label, each cell its count in words.
  const asTable = result.getByTestId('confusion-matrix-table');
  await expect(asTable.locator('tbody tr')).toHaveCount(shapes?.classes ?? -1);
  // A cell per cluster, then the label's count of images, as the picture's side column.
  await expect(asTable.locator('tbody tr').first().locator('td')).toHaveCount((e.details.clustering?.clusters ?? -1) + 1);
  await expect(asTable.locator('thead th').last()).toHaveText('images');
  await expect(asTable).not.toBeInViewport();
  // Hidden, it takes no room: the page does not scroll sideways (a table's cells widened it by 2,000 px and more).
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  await result.getByTestId('confusion-select').selectOption('pixels_kmeans');
  await expect(result.getByTestId('confusion-matrix')).toHaveAttribute('data-rows', '3');

  // The MI heat map: the five factors down, the six latent dimensions across.
  const mi = result.getByTestId('mi-heatmap');
  await expect(mi).toHaveAttribute('data-rows', String(shapes?.factors.length));
  await expect(mi).toHaveAttribute('data-rows', String(e.details.disentanglement?.factors.length));
  await expect(mi).toHaveAttribute('data-cols', '6');
  // Cells no higher than the same estimate for the factor shuffled tell nothing, and are hatched: exactly those.
  const stored = e.details.disentanglement;
  const withinChance = (stored?.mutualInformation ?? []).flatMap((row, f) =>
    row.filter((v, j) => v <= (stored?.chanceInformation?.[f]?.[j] ?? -1)),
  ).length;
  expect(stored?.chanceInformation).toHaveLength(stored?.factors.length ?? -1);
  await expect(mi.locator('[data-faint]')).toHaveCount(withinChance);
  expect(withinChance).toBeGreaterThan(0);

  await result.getByTestId('confusion-select').selectOption('kmeans');
  // The abbreviations in words on the page, not only in tooltips the keyboard cannot reach.
  await result.getByTestId('clustering-terms').locator('summary').click();
  await expect(result.getByTestId('clustering-terms')).toContainText('adjusted Rand index');
  await result.getByTestId('disentanglement-terms').locator('summary').click();
  await expect(result.getByTestId('disentanglement-terms')).toContainText('mutual information gap');
  await page.setViewportSize({ width: 1440, height: 2400 });
  await panel.screenshot({ path: join(shots, '60-evaluation-panel.png') });
  await result.getByTestId('evaluation-disentanglement').screenshot({ path: join(shots, '61-evaluation-mi-heatmap.png') });

  // Again at the first epoch's checkpoint, the NLL alone: the new result opens on top, the first one folds away.
  await panel.getByTestId('evaluation-what-clustering').uncheck();
  await panel.getByTestId('evaluation-what-disentanglement').uncheck();
  await panel.getByTestId('evaluation-epoch').selectOption('1');
  await panel.getByTestId('evaluate').click();
  const results = panel.getByTestId('evaluation-result');
  await expect(results).toHaveCount(2);
  await expect(results.first()).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
  await expect(results.first().getByTestId('evaluation-result-epoch')).toHaveText('1');
  await expect(results.nth(1)).toHaveAttribute('data-evaluation-id', String(e.id));
  await expect(results.nth(1).getByTestId('confusion-matrix')).toHaveCount(0);
  await expect(results.first().getByTestId('evaluation-figure-iw_nll')).toHaveText(/^\d+\.\d\d nats$/);
  await panel.screenshot({ path: join(shots, '62-evaluation-two-results.png') });
});

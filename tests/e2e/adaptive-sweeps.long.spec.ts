import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { callHost, fill, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

interface Detail {
  planned: number;
  runs: { runId: number; status: string; trained: number; epochs: number }[];
  rungs: { runId: number; decision: string }[];
}

test('a bayes sweep with Hyperband from the form: runs stop at rungs, the best so far, and the front on the scatter', async ({
  page,
}) => {
  test.setTimeout(360_000);
  const host = theHost();
  await page.goto(host.url);
  await fill(page, 'max-concurrent', '2');

  // The form: a VAE on a small MNIST subset, TPE over the learning rate (log scale) and β, Hyperband from epoch 1.
  await page.getByTestId('new-sweep').click();
  await fill(page, 'sweep-name', 'tpe with hyperband');
  await page.getByTestId('sweep-base').selectOption('vae-784-400-20');
  await fill(page, 'field-base.dataset.trainSubset', '600');
  await fill(page, 'field-base.dataset.testSubset', '200');
  await fill(page, 'field-base.training.epochs', '9');
  await page.getByTestId('field-base.backend').selectOption('wasm');
  await page.getByTestId('sweep-method').selectOption('bayes');
  await fill(page, 'sweep-count', '8');
  const rows = page.getByTestId('sweep-param');
  if ((await rows.count()) === 0) await page.getByTestId('sweep-add-param').click();
  await rows.nth(0).getByTestId('sweep-param-path').selectOption('training.learningRate');
  await rows.nth(0).getByTestId('sweep-param-mode').selectOption('range');
  await rows.nth(0).getByTestId('sweep-param-min').fill('0.0001');
  await rows.nth(0).getByTestId('sweep-param-max').fill('0.03');
  await rows.nth(0).getByTestId('sweep-param-distribution').selectOption('log_uniform_values');
  await page.getByTestId('sweep-add-param').click();
  await rows.nth(1).getByTestId('sweep-param-path').selectOption('model.beta');
  await rows.nth(1).getByTestId('sweep-param-mode').selectOption('range');
  await rows.nth(1).getByTestId('sweep-param-min').fill('0.5');
  await rows.nth(1).getByTestId('sweep-param-max').fill('4');
  await rows.nth(1).getByTestId('sweep-param-distribution').selectOption('log_uniform_values');
  await page.getByTestId('sweep-metric').selectOption('test.neg_elbo');
  await page.getByTestId('sweep-hyperband').check();
  await fill(page, 'sweep-min-iter', '1');
  await fill(page, 'sweep-eta', '3');
  await expect(page.getByTestId('sweep-rungs')).toContainText('Judged after epoch 1, 3 of 9');

  // A refusal names its key: eta below 2.
  await fill(page, 'sweep-eta', '1');
  await expect(page.getByTestId('sweep-search')).toContainText('eta must be at least 2');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
  await fill(page, 'sweep-eta', '3');
  // A bayes sweep lists its first proposals (the rest come as runs end).
  await expect(page.getByTestId('sweep-preview-run')).toHaveCount(2);
  await expect(page.getByTestId('sweep-preview-count')).toHaveText('8 runs');
  // Half of its 8 runs random by default, then TPE's proposals.
  await expect(page.getByTestId('sweep-preview-later')).toContainText(
    'the other 6 as earlier runs end: random up to run 4, then proposed by TPE',
  );
  await expect(page.getByTestId('sweep-random-only')).toHaveCount(0);
  // With Optuna's 10 random runs first, a sweep of 8 is a random search, and says so.
  await fill(page, 'sweep-startup', '10');
  await expect(page.getByTestId('sweep-preview-later')).toContainText('the other 6 are random draws too');
  await expect(page.getByTestId('sweep-random-only')).toContainText('8 runs, all random');
  await fill(page, 'sweep-startup', '4');
  await expect(page.getByTestId('sweep-random-only')).toHaveCount(0);
  await page.screenshot({ path: join(shots, '50-bayes-hyperband-form.png'), fullPage: true });
  // Enter in the study template's fields is not the sweep's: nothing starts.
  await page.getByTestId('study-template-toggle').click();
  await page.getByTestId('study-seeds').press('Enter');
  // Still the form (a sweep started would have opened its runs view).
  await page.getByTestId('study-template-toggle').click({ timeout: 5_000 });
  // Enter in a field starts it, as in the new-run form; pressed at once after a change, while the preview is being
  // checked again, it starts once the preview is good.
  // (Changed and changed back: the same sweep as checked above, its TPE draws included.)
  const seed = await page.getByTestId('sweep-seed').inputValue();
  await page.getByTestId('sweep-seed').fill(String(Number(seed) + 1));
  await page.getByTestId('sweep-seed').fill(seed);
  await page.getByTestId('sweep-seed').press('Enter');

  // The runs train; Hyperband stops the weak ones at their rungs, TPE proposes the next as each ends.
  await expect(page.getByTestId('sweep-header')).toBeVisible();
  expect((await callHost<unknown[]>(host, 'sweeps.list', {})).length).toBe(1);
  // Eight runs, the first four random, the others TPE's proposals.
  await expect(page.getByTestId('sweep-search-line')).toContainText(
    'TPE after 4 random, 2 proposed ahead · minimize test.neg_elbo · Hyperband',
  );
  await expect(page.getByTestId('sweep-stopped')).toBeVisible({ timeout: 200_000 });
  await expect(page.getByTestId('sweep-progress')).toHaveText(/^\d done · 0 running · 0 queued of 8$/, { timeout: 240_000 });
  const [sweep] = await callHost<{ id: number }[]>(host, 'sweeps.list', {});
  const detail = await callHost<Detail>(host, 'sweeps.get', { sweepId: sweep?.id });
  const stopped = detail.runs.filter((r) => r.status === 'stopped');
  const trained = detail.runs.reduce((s, r) => s + r.trained, 0);
  console.log(`bayes + Hyperband: ${detail.runs.map((r) => `${r.status} ${r.trained}/${r.epochs}`).join(', ')}`);
  for (const r of detail.runs.filter((run) => run.status === 'failed'))
    console.log(
      `run ${r.runId} failed: ${(await callHost<{ error: string | null }>(host, 'runs.get', { runId: r.runId })).error}`,
    );
  expect(stopped.length).toBeGreaterThan(0);
  expect(trained).toBeLessThan(8 * 9);
  await expect(page.getByTestId('sweep-rung-chart')).toHaveAttribute('data-stopped', String(stopped.length));
  const completed = detail.runs.filter((r) => r.status === 'completed').length;
  await expect(page.getByTestId('sweep-best-so-far')).toHaveAttribute('data-completed', String(completed));
  // Judged on the −ELBO, one scale whatever β: no warning.
  await expect(page.getByTestId('sweep-best-units')).toHaveCount(0);
  await page.getByTestId('sweep-search-charts').screenshot({ path: join(shots, '51-bayes-best-and-rungs.png') });
  await page.screenshot({ path: join(shots, '52-bayes-sweep-done.png'), fullPage: true });

  // A stopped run says why, and can be trained on to its end.
  await page.goto(`${host.origin}/#/runs/${stopped[0]?.runId}`);
  await expect(page.getByTestId('run-error')).toContainText('stopped by Hyperband at rung');
  await expect(page.getByTestId('resume-run')).toHaveText('Train to the end');

  // The front of the two ELBO parts over the sweep's runs, on the comparison's scatter.
  const ids = detail.runs.map((r) => r.runId).join(',');
  await page.goto(`${host.origin}/#/compare?runs=${ids}`);
  // β was drawn log-uniformly: its axis is log, although 0.5 to 4 is less than the decade a field needs otherwise.
  await expect(page.locator('[data-testid="compare-parcoords"] [data-axis="model.beta"]')).toHaveAttribute('data-scale', 'log');
  const scatter = page.getByTestId('compare-scatter');
  await scatter.getByTestId('compare-scatter-x').selectOption('test.kl');
  await scatter.getByTestId('compare-scatter-y').selectOption('test.reconstruction');
  await scatter.getByTestId('compare-scatter-front').selectOption('min-min');
  await expect(scatter.getByTestId('compare-scatter-front-line')).toHaveAttribute('data-runs', /\d/);
  // The runs Hyperband stopped are drawn hollow, at their last epoch, and the chart says so.
  await expect(scatter.locator('circle[data-status="stopped"][fill="none"]')).toHaveCount(stopped.length);
  await expect(scatter.getByTestId('compare-scatter-unfinished')).toContainText(/(runs?|\d+) stopped early by the sweep/);
  await scatter.screenshot({ path: join(shots, '53-bayes-front.png') });
});

import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { expectRunEnded, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('every view has an address: Back and Forward, a reload and a link open it; a run is cloned', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await expect(page).toHaveURL(/#\/new$/);
  await page.getByTestId('field-family').selectOption('autoencoder');
  await page.getByTestId('field-name').fill('routed');
  await page.getByTestId('field-dataset.trainSubset').fill('256');
  await page.getByTestId('field-training.epochs').fill('1');
  await page.getByTestId('start-run').click();
  await expectRunEnded(page, host, 120_000);
  const runId = await page.getByTestId('run-view').getAttribute('data-run-id');
  await expect(page).toHaveURL(new RegExp(`#/runs/${runId}$`));

  // Back and Forward: the data sets, the run, the form.
  await page.getByTestId('open-datasets').click();
  await expect(page).toHaveURL(/#\/datasets$/);
  await page.goBack();
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', String(runId));
  await page.goBack();
  await expect(page.getByTestId('start-run')).toBeVisible();
  await page.goForward();
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', String(runId));
  // A link to a comparison (its settings land in the address), then Back to the run and Forward to it again.
  await page.evaluate((id) => (location.hash = `#/compare?runs=${id}`), runId);
  await expect(page.getByTestId('compare-view')).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`#/compare\\?runs=${runId}&color=run&group=`));
  await page.goBack();
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', String(runId));
  await page.goForward();
  await expect(page.getByTestId('compare-view')).toBeVisible();
  await page.goBack();

  // A reload opens the same view.
  await page.reload();
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', String(runId));
  // Reloaded with the family list arriving after the run (the loss axis's title changes then): the chart draws.
  await page.route('**/api/families.list', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.reload();
  const chart = page.getByTestId('loss-chart');
  await expect(chart).toHaveAttribute('data-y-title', 'MSE per pixel');
  const points = Number(await chart.getAttribute('data-points'));
  expect(points).toBeGreaterThan(2);
  await expect(chart).toHaveAttribute('data-drawn', String(points));
  await page.unroute('**/api/families.list');

  // Delete refused by the studio (as when another studio trains the run): its reason shows, and the run stays.
  await page.route('**/api/runs.delete', (route) =>
    route.fulfill({
      json: { ok: false, error: { code: 'conflict', message: `run ${runId} is held by another studio: cancel it there first` } },
    }),
  );
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('delete-run').click();
  await expect(page.getByTestId('run-action-error')).toHaveText(`run ${runId} is held by another studio: cancel it there first`);
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', String(runId));
  await page.screenshot({ path: join(shots, '96-run-delete-refused.png') });
  await page.unroute('**/api/runs.delete');

  // A clone: the form filled with the run's config, under a new name; a reload keeps it.
  await page.getByTestId('clone-run').click();
  await expect(page).toHaveURL(new RegExp(`#/new\\?from=${runId}$`));
  await expect(page.getByTestId('field-name')).toHaveValue('routed (copy)');
  await expect(page.getByTestId('field-dataset.trainSubset')).toHaveValue('256');
  await page.reload();
  await expect(page.getByTestId('field-name')).toHaveValue('routed (copy)');
  await page.screenshot({ path: join(shots, '32-clone-form.png') });

  // Links: a comparison, a data set, the table of all runs; an unknown address is the form.
  await page.goto(`${host.origin}/#/compare?runs=${runId}`);
  await expect(page.getByTestId('compare-view')).toBeVisible();
  // The comparison writes its settings into its address once it has drawn.
  await expect(page).toHaveURL(/#\/compare\?runs=\d+&color=run&group=none$/);
  await page.goto(`${host.origin}/#/datasets/mnist`);
  await expect(page.getByTestId('datasets-view')).toBeVisible();
  await page.goto(`${host.origin}/#/table`);
  await expect(page.getByTestId('runs-table-row')).toHaveCount(1);
  await page.goto(`${host.origin}/#/runs/${runId}/explore`);
  await expect(page).toHaveURL(new RegExp(`#/runs/${runId}/explore$`));
  // An unknown address keeps the view, and the address bar shows the view's own; opened cold, it is the form.
  await page.goto(`${host.origin}/#/nowhere`);
  await expect(page).toHaveURL(new RegExp(`#/runs/${runId}/explore$`));
  const cold = await page.context().newPage();
  await cold.goto(`${host.origin}/#/nowhere`);
  await expect(cold.getByTestId('start-run')).toBeVisible();
  await expect(cold).toHaveURL(/#\/new$/);
});

test('a refusal by the studio shows under the form and clears once the form changes', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  await expect(page).toHaveURL(/#\/new$/);
  await page.route('**/api/runs.start', (route) =>
    route.fulfill({
      json: {
        ok: false,
        error: {
          code: 'bad_request',
          message: 'the config was refused',
          issues: [{ path: 'dataset.name', message: 'no data set named pets' }],
        },
      },
    }),
  );
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('form-errors')).toContainText('dataset.name: no data set named pets');
  await page.screenshot({ path: join(shots, '97-form-refused.png') });
  await page.getByTestId('field-family').selectOption('dip-vae');
  await expect(page.getByTestId('form-errors')).toHaveCount(0);
  await page.screenshot({ path: join(shots, '98-form-refusal-cleared.png') });
  await page.unroute('**/api/runs.start');
});

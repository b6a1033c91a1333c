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

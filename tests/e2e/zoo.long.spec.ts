import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { expectRunEnded, hostPerFile } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const theHost = hostPerFile();

test('the VampPrior VAE, FSQ and the RQ-VAE show their signature views', async ({ page }) => {
  const host = theHost();
  await page.goto(host.url);
  const runs: [family: string, preset: string, views: string[], shot: string][] = [
    ['vamp-vae', 'vamp-vae-k100', ['pseudo-inputs', 'prior-samples', 'latent-traversal'], '57-vamp-vae-views.png'],
    ['fsq', 'fsq-mlp', ['code-usage', 'reconstructions'], '58-fsq-code-usage.png'],
    ['rq-vae', 'rq-vae-mlp', ['depth-reconstructions', 'code-usage'], '59-rq-vae-depths.png'],
  ];
  for (const [family, preset, views, shot] of runs) {
    await page.getByTestId('new-run').click();
    await page.getByTestId('field-family').selectOption(family);
    await page.getByTestId('preset').selectOption(preset);
    await page.getByTestId('field-dataset.trainSubset').fill('6000');
    await page.getByTestId('field-training.epochs').fill('3');
    await page.getByTestId('start-run').click();
    await expectRunEnded(page, host, 240_000);
    for (const view of views) await expect(page.getByTestId(view)).toBeVisible();
    if (family === 'vamp-vae') await expect(page.getByTestId('prior-samples')).toContainText('VampPrior');
    else await expect(page.getByTestId('no-explorer')).toContainText('not one vector per image');
    await expect(page.getByTestId('metric-perplexity').or(page.getByTestId('metric-neg-elbo'))).toBeVisible();
    await page.getByTestId(views[0] as string).scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, shot) });
  }
});

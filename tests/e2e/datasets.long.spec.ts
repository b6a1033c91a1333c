import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import sharp from 'sharp';
import { npy } from '../../src/core/datasets/import-fixtures';
import { expectRunEnded, startHost, type RunningHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
let dir: string;
let host: RunningHost | undefined;

/** A small labelled folder as a user would have it: three kinds of 16x16 colour pictures, one sub-folder each. */
async function writeImageFolder(root: string): Promise<void> {
  const kinds = {
    disc: (x: number, y: number, k: number) => (x - 8) ** 2 + (y - 8) ** 2 < 16 + (k % 5) * 4,
    bar: (x: number, _y: number, k: number) => Math.abs(x - 4 - (k % 8)) < 2,
    ring: (x: number, y: number, k: number) => Math.abs(Math.hypot(x - 8, y - 8) - 4 - (k % 3)) < 1.2,
  };
  for (const [name, inside] of Object.entries(kinds)) {
    mkdirSync(join(root, name), { recursive: true });
    for (let k = 0; k < 40; k++) {
      const px = Buffer.alloc(16 * 16 * 3);
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 16; x++) {
          if (!inside(x, y, k)) continue;
          px.set([200 + (k % 50), 60 + ((k * 7) % 150), 90 + ((k * 13) % 120)], (y * 16 + x) * 3);
        }
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toFile(join(root, name, `${name}-${k}.png`));
    }
  }
}

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-data-'));
  host = await startHost(join(dir, 'studio.db'));
});
test.afterAll(async () => {
  await host?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('import a folder through the UI, browse it, and train a run on it', async ({ page }) => {
  if (!host) throw new Error('host not started');
  const folder = join(dir, 'my-pictures');
  await writeImageFolder(folder);
  await page.goto(host.url);
  await page.getByTestId('open-datasets').click();
  await expect(page.getByTestId('dataset-item')).toHaveCount(5);

  // A path that does not exist is refused, naming it, and nothing appears in the list.
  await page.getByTestId('import-path').fill(join(dir, 'nowhere'));
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-error')).toContainText('nowhere: does not exist');
  await expect(page.getByTestId('dataset-item')).toHaveCount(5);
  // The field refused says so under it, for a screen reader too.
  await expect(page.getByTestId('import-path')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#import-path-problem')).toContainText('does not exist');

  // A labels file that does not fit the images is refused under the labels field, not the images' path.
  const arrays = join(dir, 'arrays');
  mkdirSync(arrays);
  writeFileSync(join(arrays, 'images.npy'), npy('|u1', [4, 2, 2], new Uint8Array(16)));
  writeFileSync(join(arrays, 'labels.npy'), npy('|u1', [3], new Uint8Array(3)));
  await page.getByTestId('import-path').fill(join(arrays, 'images.npy'));
  await page.getByTestId('import-labels').fill(join(arrays, 'labels.npy'));
  await page.getByTestId('import-submit').click();
  await expect(page.locator('#import-labelsPath-problem')).toContainText('labels.npy: ');
  await expect(page.getByTestId('import-labels')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('import-path')).not.toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: join(shots, '109-import-labels-refused.png') });
  await page.getByTestId('import-labels').fill('');

  await page.getByTestId('import-path').fill(folder);
  await page.getByTestId('import-name').fill('pictures');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('dataset-title')).toContainText('pictures');
  await expect(page.getByTestId('dataset-item')).toHaveCount(6);
  await expect(page.getByTestId('dataset-facts')).toContainText('16 × 16 px, RGB');
  await expect(page.getByTestId('dataset-facts')).toContainText('108 train · 12 test');
  await expect(page.getByTestId('dataset-facts')).toContainText('3: bar, disc, ring');
  await expect(page.getByTestId('sample-grid').getByTestId('sample')).toHaveCount(48);
  await expect(page.getByTestId('label-counts')).toBeVisible();
  await expect(page.getByTestId('sample-range')).toHaveText('1–48 of 108');
  await page.screenshot({ path: join(shots, '20-datasets-browser.png') });

  await page.getByTestId('train-on').click();
  await expect(page.getByTestId('field-dataset.name')).toHaveValue('pictures');
  await expect(page.getByTestId('field-dataset.trainSubset')).toHaveValue('');
  await expect(page.getByTestId('architecture-summary')).toContainText('output 16 × 16 × 3');
  await page.getByTestId('field-training.epochs').fill('3');
  await page.getByTestId('field-training.batchSize').fill('16');
  await page.getByTestId('start-run').click();
  await expectRunEnded(page, host, 120_000);
  await expect(page.getByTestId('reconstructions').locator('img')).toHaveAttribute('data-epoch', '3');
  await page.screenshot({ path: join(shots, '21-run-on-imported.png') });
});

test('Shapes and Faces are generated on demand and browsed with their factors', async ({ page }) => {
  if (!host) throw new Error('host not started');
  await page.goto(host.url);
  await page.getByTestId('open-datasets').click();
  for (const [name, shot, total] of [
    ['shapes', '22-shapes-grid.png', '18,000'],
    ['faces-a', '23-faces-grid.png', '3,600'],
  ] as const) {
    await page.locator(`[data-testid="dataset-item"][data-name="${name}"]`).click();
    await expect(page.getByTestId('dataset-factors')).toBeVisible();
    await page.getByTestId('generate-default').click();
    await expect(page.getByTestId('sample-grid').getByTestId('sample')).toHaveCount(48, { timeout: 60_000 });
    await expect(page.getByTestId('sample-range')).toHaveText(`1–48 of ${total}`);
    await page.getByTestId('sample-grid').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(shots, shot) });
  }
  // Generating faces-a wrote its twin faces-b too; the deepfake set-up proposes it as identity B.
  await expect(page.getByTestId('partner-select')).toHaveValue('faces-b');
  // Offered for every family that declares it pairs two sets (the deepfake's spec does).
  await page.getByTestId('dataset-pairing').screenshot({ path: join(shots, '23b-dataset-pairing.png') });
  await page.getByTestId('train-deepfake').click();
  await expect(page.getByTestId('field-family')).toHaveValue('deepfake');
  await expect(page.getByTestId('field-dataset.name')).toHaveValue('faces-a');
  await expect(page.getByTestId('field-dataset.second')).toHaveValue('faces-b');
  await expect(page.getByTestId('form-errors')).toHaveCount(0);
  // Its parameters count both decoders, one per identity (6,361,760 in the encoder, 6,374,016 in each decoder of the
  // default model on 64×64×3 faces): the summary counted one.
  await expect(page.getByTestId('architecture-summary')).toContainText('19,109,792 parameters');
  await page.screenshot({ path: join(shots, '24-deepfake-two-sets.png') });

  // A short run on the pair: its swap is scored against the true twins and shown beside the views.
  await page.getByTestId('field-dataset.trainSubset').fill('600');
  await page.getByTestId('field-dataset.testSubset').fill('100');
  await page.getByTestId('field-training.epochs').fill('1');
  await page.getByTestId('field-training.batchSize').fill('32');
  await page.getByTestId('start-run').click();
  await expectRunEnded(page, host, 150_000);
  await expect(page.getByTestId('swap-a').locator('img')).toBeVisible();
  expect(Number(await page.getByTestId('metric-swap-mse').textContent())).toBeGreaterThan(0);
  await page.getByTestId('swap-a').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, '25-deepfake-faces-swap.png') });
});

test('the generate form steps the count from what was typed and opens the set it made', async ({ page }) => {
  if (!host) throw new Error('host not started');
  await page.goto(host.url);
  await page.getByTestId('open-datasets').click();
  const count = page.getByTestId('generate-count');
  await count.fill('200');
  await count.press('ArrowUp');
  await expect(count).toHaveValue('1200');
  await count.press('ArrowDown');
  await count.press('ArrowDown');
  await expect(count).toHaveValue('10');
  await count.fill('240');
  await page.getByTestId('generate-name').fill('tiny-shapes');
  await page.getByTestId('generate-name').press('Enter');
  await expect(page.locator('[data-testid="dataset-item"][data-name="tiny-shapes"]')).toBeVisible({ timeout: 60_000 });
  // The browser pages through the training split: 240 images less the tenth held out for testing.
  await expect(page.getByTestId('sample-range')).toHaveText('1–48 of 216', { timeout: 30_000 });
  await page.screenshot({ path: join(shots, '104-generated-set.png'), fullPage: true });

  // Deleted: the address no longer names it, and a link that still does says the set is gone (it showed another set).
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('delete-dataset').click();
  await expect(page.locator('[data-testid="dataset-item"][data-name="tiny-shapes"]')).toHaveCount(0);
  await expect(page).toHaveURL(/#\/datasets$/);
  await page.goto(`${host.origin}/#/datasets/tiny-shapes`);
  await expect(page.getByTestId('dataset-missing')).toContainText('No data set is named tiny-shapes');
  await expect(page.getByTestId('dataset-title')).toHaveCount(0);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startHost, type RunningHost } from './host';

const shots = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots');

test('the page says when the studio stops answering, and when a restarted studio refuses its token', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-e2e-connection-'));
  const db = join(dir, 'studio.db');
  let host: RunningHost = await startHost(db);
  try {
    await page.goto(host.url);
    await expect(page.getByTestId('start-run')).toBeVisible();
    const banner = page.getByTestId('connection-banner');
    await expect(banner).toHaveCount(0);

    // The host stops: the page says so (what it shows may be stale), and goes on trying.
    const port = new URL(host.url).port;
    await host.stop();
    await expect(banner).toHaveAttribute('data-state', 'lost');
    await expect(banner).toContainText('The studio does not answer');
    await page.screenshot({ path: join(shots, '100-connection-lost.png') });

    // Started again on the same port, with a new token: this page's cookie is refused, and the page says what to do.
    host = await startHost(db, ['--port', port]);
    await expect(banner).toHaveAttribute('data-state', 'refused', { timeout: 30_000 });
    await expect(banner).toContainText('Open the URL it printed at launch');
    await page.screenshot({ path: join(shots, '101-connection-refused.png') });

    // Its URL opened: the page is the studio's again.
    await page.goto(host.url);
    await expect(page.getByTestId('start-run')).toBeVisible();
    await expect(banner).toHaveCount(0);
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

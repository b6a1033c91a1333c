import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { bundledWorker, smallVae, trainWith } from './bundled-worker';
import { metaContentSecurityPolicy } from '../../src/shared/content-security-policy';

const driver = join(import.meta.dirname, 'electron-stub', 'main.mjs');
const mainBundle = join(bundledWorker, '..', 'index.js');

/**
 * The Electron app's bundles cannot run here under Electron, whose binary is not installed: Node runs the same
 * scripts, which is what a bundling fault breaks (a chunk declaring `require` twice loaded neither the main process
 * nor its workers). The worker (out/main/worker.js, started through utilityProcess.fork) runs as it is; the main
 * process (out/main/index.js) with a stand-in for the `electron` module (electron-stub/).
 */
test('the bundled worker trains a VAE as the TypeScript worker does', async () => {
  const config = smallVae('wasm');
  const bundled = await trainWith(config, bundledWorker);
  expect(bundled.status, bundled.error ?? '').toBe('completed');
  const source = await trainWith(config, undefined);
  expect(source.status, source.error ?? '').toBe('completed');
  console.log(`bundled worker: test loss ${bundled.loss} on ${bundled.reason}; TypeScript worker: ${source.loss}`);
  expect(bundled.backend).toBe('wasm');
  expect(Number.isFinite(bundled.loss)).toBe(true);
  expect(bundled.loss).toBe(source.loss);
});

test('the Electron main bundle loads, opens the studio and answers its window, with a stand-in for electron', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-main-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [driver, mainBundle, '--db', join(dir, 'studio.db')], {
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
      privileged: string[];
      protocols: string[];
      windows: number;
      loaded: string[];
      preset: { ok: boolean; value?: { family: string } };
      refused: { ok: boolean; error?: { code: string } };
      walWhileOpen: boolean;
      quitAtOnce: boolean;
      quit: boolean;
      walAfterQuit: boolean;
    };
    // Artifacts' scheme registered before ready and served; one window, loading the built renderer.
    expect(seen.privileged).toEqual(['latent-artifact']);
    expect(seen.protocols).toEqual(['latent-artifact']);
    expect(seen.windows).toBe(1);
    expect(seen.loaded).toHaveLength(1);
    expect(existsSync(seen.loaded[0]!)).toBe(true);
    // The window's calls reach the studio through dispatch; a frame that is not the app's is refused.
    expect(seen.preset).toMatchObject({ ok: true, value: { family: 'vae' } });
    expect(seen.refused).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(existsSync(join(dir, 'studio.db'))).toBe(true);
    // Quitting waits for the studio to close: the database is closed (its write-ahead log folded in) before the app ends.
    expect(seen.walWhileOpen).toBe(true);
    expect(seen.quitAtOnce).toBe(false);
    expect(seen.quit).toBe(true);
    expect(seen.walAfterQuit).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the app opens the studio folder the CLI and the host use, and a studio it cannot open is said, not hung on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latent-studio-main-'));
  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, [driver, mainBundle, ...args], { timeout: 60_000, env: { ...process.env, ...env } });
  try {
    // No --db: LATENT_STUDIO_HOME's studio.db (as `latent-studio serve` and the CLI), not Electron's userData.
    const userData = join(dir, 'user-data');
    mkdirSync(userData);
    await run([], { LATENT_STUDIO_HOME: join(dir, 'home'), STUB_USER_DATA: userData });
    expect(existsSync(join(dir, 'home', 'studio.db'))).toBe(true);
    expect(existsSync(join(userData, 'studio.db'))).toBe(false);
    // A database it cannot open (a folder): a dialog says why and the app exits 1.
    const failed = await run(['--db', dir], {}).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('Latent Studio could not open its studio');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the built page's own policy lets it show the app's artifacts (a file:// page gets no CSP header)", () => {
  const html = readFileSync(join(bundledWorker, '..', '..', 'renderer', 'index.html'), 'utf8');
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];
  expect(meta).toBe(metaContentSecurityPolicy);
  expect(meta).toContain("img-src 'self' data: blob: latent-artifact:");
});

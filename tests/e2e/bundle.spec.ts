import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { bundledWorker, smallVae, trainWith } from './bundled-worker';

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
    const driver = join(import.meta.dirname, 'electron-stub', 'main.mjs');
    const main = join(bundledWorker, '..', 'index.js');
    const { stdout } = await promisify(execFile)(process.execPath, [driver, main, '--db', join(dir, 'studio.db')], {
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
      privileged: string[];
      protocols: string[];
      windows: number;
      loaded: string[];
      preset: { ok: boolean; value?: { family: string } };
      refused: { ok: boolean; error?: { code: string } };
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
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

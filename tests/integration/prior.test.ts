import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset, type Studio } from '../../src/core/studio';
import {
  buildPixelCnn,
  nllBits,
  unigramCrossEntropyBits,
  unigramEntropyBits,
  uniformCodes,
  type PixelCnnShape,
} from '../../src/core/prior/pixelcnn';
import { parseNpy } from '../../src/core/datasets/npy';
import { decodeCodes, encodeSplit } from '../../src/core/prior/worker';
import { selectBackend } from '../../src/ml/backend';
import { readCheckpoint } from '../../src/core/training/checkpoint';
import { buildModel, restoreFrom } from '../../src/core/training/rebuild';
import { tf, type LayersModel, type Tensor } from '../../src/ml/tf';
import { trainDigitClassifier } from './classifier';
import { cliPath as cli, openTestStudio, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let dbPath: string;
let studio: Studio;

beforeAll(() => {
  tmp = tempDir();
  dbPath = join(tmp.dir, 'studio.db');
  studio = openTestStudio(dbPath);
});
afterAll(async () => {
  await studio.close();
  tmp.cleanup();
});

/** The CLI in its own process, without blocking this one (the classifier trains here meanwhile). */
function runCli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** How many of `n` flat 28×28 images the classifier reads as some digit with confidence above 0.9. */
function confident(model: LayersModel, images: Float32Array, n: number): number {
  return tf.tidy(() => {
    const p = model.predict(tf.tensor2d(images, [n, 784])) as Tensor;
    return Array.from(tf.max(p, 1).dataSync()).filter((v) => v > 0.9).length;
  });
}

async function pngPixels(base64: string): Promise<Float32Array> {
  const { data, info } = await sharp(Buffer.from(base64, 'base64')).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from({ length: info.width * info.height }, (_, i) => (data[i * info.channels] as number) / 255);
}

const seconds = (from: number, to = performance.now()) => ((to - from) / 1000).toFixed(1);

describe('a learned prior for the VQ-VAE (PixelCNN over its code grid)', () => {
  it('models the test codes below their unigram entropy, and its decoded samples read as digits far more often than uniform codes', async () => {
    const start = performance.now();
    // Trained in this process while the worker trains the VQ-VAE on the other core.
    const classifier = trainDigitClassifier(6000, 5);
    // The MLP preset (a 4×4 grid of K = 64 codes) with 256 hidden units; BCE and small batches: many steps in little time.
    const config = findPreset('vq-vae-mlp');
    if (config?.family !== 'vq-vae') throw new Error('no vq-vae-mlp preset');
    config.backend = 'wasm';
    config.dataset = { name: 'mnist', trainSubset: 3000, testSubset: 500 };
    config.model = {
      ...config.model,
      encoder: [{ type: 'dense', units: 256, activation: 'relu' }],
      decoder: [{ type: 'dense', units: 256, activation: 'relu' }],
    };
    config.training = { ...config.training, loss: 'bce', epochs: 4, batchSize: 16, learningRate: 0.003, seed: 6 };
    const { runId } = await studio.api['runs.start']({ config });

    // Before the run has stopped, a prior is refused naming runId.
    await expect(studio.api['prior.start']({ runId })).rejects.toThrow(/^runId: run \d+ is (queued|running)/);
    await studio.orchestrator.whenEnded(runId);
    const trainedAt = performance.now();
    const run = await studio.api['runs.get']({ runId });
    expect([run.status, run.error]).toEqual(['completed', null]);
    expect(await studio.api['prior.get']({ runId })).toBeNull();
    await expect(studio.api['runs.sample']({ runId, n: 4 })).rejects.toThrow(/family vq-vae without a learned prior/);

    // The second stage, through the CLI: one JSON line with the figures; its epochs on stderr.
    const r = await runCli('prior', String(runId), '--epochs', '3', '--seed', '1', '--db', dbPath);
    const priorAt = performance.now();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/prior epoch 3\/3: test NLL \d\.\d+ bits\/position/);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>;
    const prior = await studio.api['prior.get']({ runId });
    expect(prior?.status).toBe('completed');
    expect(line).toMatchObject({ jobId: prior!.jobId, runId, status: 'completed', epochs: 3, seed: 1 });
    const figures = prior!.figures;
    expect(line['nll_bits']).toBe(figures['nll_bits']);

    // The same test codes, encoded here by the VQ-VAE rebuilt at the checkpoint the prior modelled.
    await selectBackend('wasm');
    const dataset = studio.datasets.open(config.dataset);
    const vq = buildModel(run.config, dataset);
    const checkpoint = run.checkpoints.find((c) => c.epoch === prior!.checkpointEpoch);
    restoreFrom(vq, readCheckpoint(checkpoint!.path));
    const grid = vq.codeGrid!;
    const positions = grid.grid[0] * grid.grid[1];
    const testCodes = await encodeSplit(grid, dataset, dataset.test);
    const trainCodes = await encodeSplit(grid, dataset, dataset.train);
    // The entropy of the test codes' own frequencies: below what any prior without structure reaches on them.
    const unigram = unigramEntropyBits(testCodes, grid.codebookSize);
    console.log(
      `VQ-VAE: ${grid.grid.join('×')} codes of K = ${grid.codebookSize}, trained in ${seconds(start, trainedAt)} s ` +
        `(test MSE ${run.latest.find((m) => m.split === 'test' && m.name === 'mse')?.value.toFixed(4)}); PixelCNN prior ` +
        `${prior!.epochs} epochs in ${seconds(trainedAt, priorAt)} s (CLI included): test NLL per epoch ` +
        `${prior!.curve.map((c) => c.testNllBits.toFixed(3)).join(', ')} bits/position; unigram entropy of the same ` +
        `test codes ${unigram.toFixed(3)} (per position ${figures['position_unigram_bits']!.toFixed(3)}), ` +
        `uniform ${Math.log2(grid.codebookSize).toFixed(3)}`,
    );
    // The baseline it reports: the training codes' frequencies (add-½) on the test codes, above that entropy.
    expect(figures['unigram_bits']).toBeCloseTo(unigramCrossEntropyBits(trainCodes, testCodes, grid.codebookSize), 6);
    expect(figures['unigram_bits']).toBeGreaterThan(unigram);
    expect(figures['nll_bits']).toBeLessThan(unigram);
    // It learns more than where each code sits: below the prior of each position's frequencies too.
    expect(figures['nll_bits']).toBeLessThan(figures['position_unigram_bits']!);

    // Its curve (metrics of split 'prior') and its picture are kept with the run.
    const metrics = (await studio.api['runs.metrics']({ runId })).filter((m) => m.split === 'prior' && m.name === 'nll_bits');
    expect(metrics.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(metrics.at(-1)?.value).toBe(figures['nll_bits']);
    expect((await studio.api['artifacts.list']({ runId })).map((a) => a.kind)).toContain('pixelcnn-samples');

    // Samples decoded from the prior's code grids (through the contract), and from uniform codes (here).
    const n = 200;
    const set = await studio.api['runs.sample']({ runId, n, seed: 1 });
    expect([set.source, set.priorJobId, set.samples.length]).toEqual(['prior', prior!.jobId, n]);
    const drawn = new Float32Array(n * 784);
    for (const [i, s] of set.samples.entries()) drawn.set(await pngPixels(s.png), i * 784);
    // At a lower temperature (sharper conditionals) the same seed's samples keep to the prior's likelier codes.
    const cold = await studio.api['runs.sample']({ runId, n, seed: 1, temperature: 0.5 });
    expect(cold.temperature).toBe(0.5);
    const colder = new Float32Array(n * 784);
    for (const [i, s] of cold.samples.entries()) colder.set(await pngPixels(s.png), i * 784);
    const uniform = await decodeCodes(grid, uniformCodes(n, positions, grid.codebookSize, 99), 784);
    // What the decoder can do at best: the reconstructions of test images, from their own codes.
    const reconstructed = await decodeCodes(grid, testCodes.subarray(0, n * positions), 784);
    vq.dispose();

    // Exported with the run: its weights, in order, rebuild a PixelCNN that scores the test codes as the studio did.
    const out = join(tmp.dir, 'export');
    await studio.exportRun(runId, out);
    const about = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')) as {
      prior: {
        job: number;
        exported: boolean;
        settings: { architecture: PixelCnnShape };
        weights: { name: string; file: string }[];
      };
    };
    expect([about.prior.job, about.prior.exported]).toEqual([prior!.jobId, true]);
    const exported = buildPixelCnn(about.prior.settings.architecture, 7);
    exported.load(
      about.prior.weights.map(({ name, file }) => {
        const a = parseNpy(readFileSync(join(out, file)), file);
        return { name, shape: a.shape, values: Float32Array.from({ length: a.size }, (_, i) => a.get(i)) };
      }),
    );
    expect(await nllBits(exported, testCodes)).toBeCloseTo(figures['nll_bits']!, 5);
    exported.dispose();
    const { model, testAccuracy } = await classifier;
    const priorRate = confident(model, drawn, n) / n;
    const uniformRate = confident(model, uniform, n) / n;
    const coldRate = confident(model, colder, n) / n;
    const reconstructionRate = confident(model, reconstructed, n) / n;
    console.log(
      `classifier test accuracy ${(100 * testAccuracy).toFixed(1)} %; read as a digit with confidence > 0.9 (${n} each): ` +
        `prior samples ${(100 * priorRate).toFixed(1)} % (at temperature 0.5 ${(100 * coldRate).toFixed(1)} %), uniform-code samples ${(100 * uniformRate).toFixed(1)} % ` +
        `(reconstructions of test images ${(100 * reconstructionRate).toFixed(1)} %); whole test ${seconds(start)} s`,
    );
    expect(testAccuracy).toBeGreaterThan(0.9);
    expect(priorRate).toBeGreaterThan(3 * uniformRate);
    expect(priorRate - uniformRate).toBeGreaterThan(0.2);
    expect(coldRate).toBeGreaterThan(priorRate);
  }, 300_000);
});

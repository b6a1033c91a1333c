import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import { parseNpy } from '../../src/core/datasets/npy';
import { testImageSources } from '../../src/core/evaluation/latent-images';
import { finishRun, insertRun } from '../../src/core/store/runs';
import type { Studio } from '../../src/core/studio';
import type { CommandOutput } from '../../src/shared/api';
import { mnistConfig, openTestStudio, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let studio: Studio;
let runId: number;

beforeAll(() => {
  tmp = tempDir('latent-studio-projector-');
  studio = openTestStudio(join(tmp.dir, 'studio.db'));
});
afterAll(async () => {
  await studio.close();
  tmp.cleanup();
});

function float32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

describe('runs.latents: the projector’s test codes', () => {
  it('answers the codes `export --latents` writes, as base64 float32, with labels and where each image is', async () => {
    const started = performance.now();
    const config = mnistConfig({ trainSubset: 500, testSubset: 500, epochs: 1 });
    const dense = { type: 'dense' as const, units: 64, activation: 'relu' as const };
    config.model = { ...config.model, encoder: [dense], latentSize: 8, decoder: [dense] };
    ({ runId } = await studio.api['runs.start']({ config }));
    await studio.orchestrator.whenEnded(runId);
    expect((await studio.api['runs.get']({ runId })).status).toBe('completed');
    const trained = performance.now();

    const answer = await dispatch(studio.api, 'runs.latents', { runId });
    if (!answer.ok) throw new Error(answer.error.message);
    const latents = answer.value as CommandOutput<'runs.latents'>;
    const answered = performance.now();
    expect(latents).toMatchObject({ epoch: 1, count: 500, dim: 8, factors: null, factorNames: [] });
    expect(latents.images).toEqual({ datasets: ['mnist'], set: null, index: null });
    expect(latents.labels).toHaveLength(500);

    const out = join(tmp.dir, 'latents');
    await studio.exportLatents(runId, out);
    const npy = parseNpy(readFileSync(join(out, 'codes.npy')), 'codes.npy');
    const labels = parseNpy(readFileSync(join(out, 'labels.npy')), 'labels.npy');
    expect(npy.shape).toEqual([500, 8]);
    const codes = float32(latents.codes);
    expect(codes).toHaveLength(500 * 8);
    expect(Array.from(codes)).toEqual(Array.from({ length: 500 * 8 }, (_, i) => npy.get(i)));
    expect(latents.labels).toEqual(Array.from({ length: 500 }, (_, i) => labels.get(i)));
    // Test image i is datasets.samples' image i of the test split: same label.
    const sample = await studio.api['datasets.samples']({ name: 'mnist', split: 'test', offset: 123, count: 1 });
    expect(sample.samples[0]?.label).toBe(latents.labels?.[123]);
    console.log(
      `runs.latents: a 784-64-8 AE trained on 500 MNIST images in ${((trained - started) / 1000).toFixed(1)} s; ` +
        `500×8 codes answered in ${((answered - trained) / 1000).toFixed(1)} s (${latents.codes.length} base64 characters), equal to codes.npy`,
    );
  });

  it('maps a run’s test image to the stored set where it chose classes or a second set', () => {
    const ref = { name: 'mnist', classes: [3, 8], testSubset: 40 };
    const sources = testImageSources(studio.datasets, ref);
    const seen = studio.datasets.open(ref).test;
    const whole = studio.datasets.openWhole('mnist').dataset.test;
    expect(sources.count).toBe(40);
    expect(sources.labelNames).toEqual(['3', '8']);
    const index = sources.images.index ?? [];
    const a = new Uint8Array(784);
    const b = new Uint8Array(784);
    for (let i = 0; i < 40; i++) {
      seen.readBytes([i], a);
      whole.readBytes([index[i]!], b);
      expect(Buffer.compare(a, b), `image ${i}`).toBe(0);
      expect([3, 8][seen.labels![i]!]).toBe(whole.labels![index[i]!]);
    }
    const pair = testImageSources(studio.datasets, { name: 'mnist', second: 'mnist', testSubset: 10 });
    expect(pair.images).toEqual({
      datasets: ['mnist', 'mnist'],
      set: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
      index: [0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
    });
  });

  it('refuses as evaluations refuse, naming the field', async () => {
    const noCheckpoint = insertRun(studio.db, mnistConfig(), 'hash');
    finishRun(studio.db, noCheckpoint, 'failed', 'stopped before its first checkpoint');
    const cases: [unknown, string, string][] = [
      [{ runId: 99_999 }, 'not_found', ''],
      [{ runId: noCheckpoint }, 'conflict', 'runId'],
      [{ runId, epoch: 7 }, 'bad_request', 'epoch'],
      [{ runId, what: ['x'] }, 'bad_request', ''],
    ];
    for (const [input, code, path] of cases) {
      const answer = await dispatch(studio.api, 'runs.latents', input);
      expect(answer.ok, JSON.stringify(input)).toBe(false);
      if (answer.ok) continue;
      console.log(`runs.latents refused ${JSON.stringify(input)}: ${answer.error.code}, ${answer.error.message}`);
      expect(answer.error.code).toBe(code);
      if (path) expect(answer.error.issues?.map((i) => i.path)).toContain(path);
    }
  });
});

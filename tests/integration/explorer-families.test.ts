/**
 * The explorer on the families whose decoder takes a label: the CVAE's class, and the deepfake's two decoders
 * (chosen by name, shown side by side). A decode with a class is the model's own, computed here; a code through
 * decoder B is the run's own decoder swap.
 */
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/core/dispatch';
import type { Studio } from '../../src/core/studio';
import { listCheckpoints } from '../../src/core/store/checkpoints';
import { selectBackend } from '../../src/ml/backend';
import { tfRequire } from '../../src/ml/tf';
import { type RunConfig } from '../../src/shared/config';
import { defaultRunConfig } from '../../src/families/run-config';
import type { ExplorerInfo } from '../../src/shared/explorer';
import { withTestStudio } from './helpers';
import { ownDecoding, rebuild } from './own-decoding';

import type sharpFn from 'sharp';

const sharp = tfRequire('sharp') as typeof sharpFn;

let studio: Studio;
withTestStudio((opened) => (studio = opened));

const dense = (units: number) => ({ type: 'dense' as const, units, activation: 'relu' as const });

function tiny(family: 'cvae' | 'deepfake'): RunConfig {
  const config = defaultRunConfig(family);
  config.name = `explorer ${family}`;
  config.backend = 'wasm';
  config.dataset = { ...config.dataset, trainSubset: 400, testSubset: 200 };
  config.training = { ...config.training, epochs: 1, batchSize: 50, seed: 5 };
  if (config.family === 'cvae') config.model = { ...config.model, encoder: [dense(64)], latentSize: 3, decoder: [dense(64)] };
  if (config.family === 'deepfake') config.model = { ...config.model, encoder: [dense(64)], latentSize: 8, decoder: [dense(64)] };
  return config;
}

async function call<T>(name: string, input: unknown): Promise<T> {
  const r = await dispatch(studio.api, name, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
  return r.value as T;
}

function gray(base64: string) {
  return sharp(Buffer.from(base64, 'base64')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
}

describe('explorer sessions of labelled decoders', () => {
  it('the CVAE decodes a code with each class exactly as its model does; the deepfake sends a code through A or B', async () => {
    const cvae = tiny('cvae');
    const deepfake = tiny('deepfake');
    // Both train at once (the default limit on two cores).
    const runs = await Promise.all([cvae, deepfake].map((config) => studio.api['runs.start']({ config })));
    await Promise.all(runs.map(({ runId }) => studio.orchestrator.whenEnded(runId)));
    const [cvaeRun, deepfakeRun] = runs.map((r) => r.runId) as [number, number];
    const [c, d] = await Promise.all([
      call<ExplorerInfo>('explorer.open', { runId: cvaeRun }),
      call<ExplorerInfo>('explorer.open', { runId: deepfakeRun }),
    ]);
    expect(c).toMatchObject({ conditional: true, classes: 10, latentSize: 3, decoders: ['default'] });
    expect(d).toMatchObject({ conditional: false, latentSize: 8, decoders: ['a', 'b'] });

    // The CVAE: one code, every class; the model rebuilt here decodes the same.
    const z = Array.from({ length: 10 }, () => [0.5, -1, 1.5]);
    const labels = Array.from({ length: 10 }, (_, k) => k);
    const decoded = await call<{ pixels: string[] }>('explorer.decode', { sessionId: c.sessionId, z, labels });
    await selectBackend('wasm');
    const checkpoint = listCheckpoints(studio.db, cvaeRun)[0];
    if (!checkpoint) throw new Error('no checkpoint');
    const model = rebuild(cvae, studio.datasets.store.root, checkpoint.path, checkpoint.sha256);
    const expected = ownDecoding(model, z, { of: labels, classes: 10 });
    decoded.pixels.forEach((p, k) => expect(Buffer.compare(Buffer.from(p, 'base64'), expected[k]!), `class ${k}`).toBe(0));
    // One label for all rows is one class for all.
    const one = await call<{ pixels: string[] }>('explorer.decode', { sessionId: c.sessionId, z: z.slice(0, 2), labels: [4] });
    expect(one.pixels).toEqual([decoded.pixels[4], decoded.pixels[4]]);
    model.dispose();
    await expect(call('explorer.decode', { sessionId: c.sessionId, z: [[0, 0, 0]] })).rejects.toThrow(/^labels: .*conditional/);
    await expect(call('explorer.decode', { sessionId: c.sessionId, z: [[0, 0, 0]], labels: [10] })).rejects.toThrow(
      'labels[0]: 10 is not a class of this run (0–9)',
    );
    await expect(call('explorer.decode', { sessionId: c.sessionId, z: z.slice(0, 3), labels: [1, 2] })).rejects.toThrow(
      /^labels: give one for every row of z \(3\)/,
    );

    // The deepfake: the codes of A's first test images through B's decoder are the run's own swap (its swap-a view).
    const artifacts = await studio.api['artifacts.list']({ runId: deepfakeRun });
    const swap = artifacts.filter((a) => a.kind === 'swap-a').at(-1);
    if (!swap) throw new Error('no swap view');
    const grid = await gray(studio.artifact(swap.id)!.data.toString('base64'));
    const testLabels = studio.datasets.open(deepfake.dataset).test.labels as Uint8Array;
    const firstOfA = [...testLabels.keys()].filter((i) => testLabels[i] === 0).slice(0, 10);
    const encoded = await call<{ codes: number[][] }>('explorer.encode', { sessionId: d.sessionId, indices: firstOfA });
    const through = async (decoder: string) =>
      (await call<{ pixels: string[] }>('explorer.decode', { sessionId: d.sessionId, z: encoded.codes, decoder })).pixels;
    const [ownA, swappedB] = [await through('a'), await through('b')];
    const cell = (row: number, col: number) => {
      const out = Buffer.alloc(784);
      for (let y = 0; y < 28; y++) {
        const from = (2 + row * 30 + y) * grid.info.width + 2 + col * 30;
        grid.data.copy(out, y * 28, from, from + 28);
      }
      return out;
    };
    for (let i = 0; i < firstOfA.length; i++) {
      expect(Buffer.compare(Buffer.from(ownA[i]!, 'base64'), cell(1, i)), `A ${i} through A`).toBe(0);
      expect(Buffer.compare(Buffer.from(swappedB[i]!, 'base64'), cell(2, i)), `A ${i} through B`).toBe(0);
    }
    // Both decoders side by side in one call, and the refusals name the field.
    const both = await call<{ pixels: string[] }>('explorer.decode', {
      sessionId: d.sessionId,
      z: [encoded.codes[0], encoded.codes[0]],
      decoder: ['a', 'b'],
    });
    expect(both.pixels).toEqual([ownA[0], swappedB[0]]);
    await expect(call('explorer.decode', { sessionId: d.sessionId, z: [encoded.codes[0]] })).rejects.toThrow(
      'decoder: choose one of a, b',
    );
    await expect(
      call('explorer.decode', { sessionId: d.sessionId, z: [encoded.codes[0], encoded.codes[0]], decoder: ['a', 'c'] }),
    ).rejects.toThrow('decoder[1]: c is not one of a, b');
    await expect(call('explorer.decode', { sessionId: d.sessionId, z: [encoded.codes[0]], labels: [1] })).rejects.toThrow(
      /^labels: /,
    );
  });

  it('refuses a family without a decoder of codes', async () => {
    const config = defaultRunConfig('vq-vae');
    config.backend = 'wasm';
    config.dataset = { name: 'mnist', trainSubset: 100, testSubset: 50 };
    config.training = { ...config.training, epochs: 1 };
    // Refused from its spec, before any worker: the run need not even have trained.
    const { runId } = await studio.api['runs.start']({ config });
    await expect(call('explorer.open', { runId })).rejects.toThrow(
      /^runId: run \d+ cannot be explored: a VQ-VAE \(vector-quantised\) code is not one vector per image; its learned prior, on the run page, samples codes$/,
    );
    await studio.api['runs.cancel']({ runId });
  });
});

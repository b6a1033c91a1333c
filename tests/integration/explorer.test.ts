/**
 * The explorer's sessions: a worker holding a run's model answers decode and encode calls. What it shows must be the
 * model's own decoding, pixel for pixel, computed here in the test process from the run's config and checkpoint.
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
import { ExplorerSessions } from '../../src/core/explorer/sessions';
import { withTestStudio } from './helpers';
import { ownDecoding, rebuild } from './own-decoding';

import type sharpFn from 'sharp';

const sharp = tfRequire('sharp') as typeof sharpFn;

let studio: Studio;
withTestStudio((opened) => (studio = opened));

/** The VAE 784-400-20 on 500 MNIST images for one epoch: enough to have a checkpoint and images. */
function tinyVae(): RunConfig {
  const config = defaultRunConfig('vae');
  config.name = 'explorer vae';
  config.backend = 'wasm';
  config.dataset = { name: 'mnist', trainSubset: 500, testSubset: 200 };
  config.training = { ...config.training, epochs: 1, batchSize: 64, seed: 3 };
  return config;
}

/** Rows of z from a seeded normal, with a few far from the prior's mass, as the sliders reach them. */
function someCodes(rows: number, dim: number, seed: number): number[][] {
  let s = seed;
  const uniform = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return Array.from({ length: rows }, (_, r) => Array.from({ length: dim }, (_, d) => (r === 0 && d === 0 ? 3 : normal())));
}

/** A grayscale PNG's pixels (sharp would hand them over as sRGB, three channels). */
function grayPixels(base64: string) {
  return sharp(Buffer.from(base64, 'base64')).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
}

async function call<T>(name: string, input: unknown): Promise<T> {
  const r = await dispatch(studio.api, name, input);
  if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code, issues: r.error.issues });
  return r.value as T;
}

describe('explorer sessions', () => {
  let runId: number;
  let config: RunConfig;
  let session: ExplorerInfo;

  it('opens on a trained VAE and decodes z exactly as the model rebuilt here does', async () => {
    config = tinyVae();
    ({ runId } = await studio.api['runs.start']({ config }));
    await studio.orchestrator.whenEnded(runId);
    expect((await studio.api['runs.get']({ runId })).status).toBe('completed');

    session = await call<ExplorerInfo>('explorer.open', { runId });
    expect(session).toMatchObject({
      runId,
      epoch: 1,
      family: 'vae',
      latentSize: 20,
      conditional: false,
      decoders: ['default'],
      height: 28,
      width: 28,
      channels: 1,
      testCount: 200,
    });
    expect(session.spread.mean).toHaveLength(20);
    // The sliders' spread is that of the codes of the test images (all 200 here), as explorer.encode gives them.
    const { codes } = await call<{ codes: number[][] }>('explorer.encode', {
      sessionId: session.sessionId,
      indices: Array.from({ length: 200 }, (_, i) => i),
    });
    for (let d = 0; d < 20; d++) {
      const column = codes.map((c) => c[d] as number);
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length);
      expect(session.spread.mean[d], `mean of z${d}`).toBeCloseTo(mean, 4);
      expect(session.spread.std[d], `std of z${d}`).toBeCloseTo(std, 4);
      expect(session.spread.min[d], `min of z${d}`).toBeCloseTo(Math.min(...column), 5);
      expect(session.spread.max[d], `max of z${d}`).toBeCloseTo(Math.max(...column), 5);
    }
    expect(Math.min(...session.spread.std)).toBeGreaterThan(0);
    // Its prior is N(0, I): the renderer draws it itself.
    expect(session.priorDraws).toBeNull();
    // A VAE's code is any real value.
    expect(session.codeRange).toBeNull();

    const z = someCodes(5, 20, 7);
    const decoded = await call<{ images: string[]; pixels: string[]; width: number }>('explorer.decode', {
      sessionId: session.sessionId,
      z,
    });
    expect(decoded.pixels).toHaveLength(5);

    // The same model, rebuilt in this process from the run's config and checkpoint, on the same backend.
    await selectBackend('wasm');
    const [checkpoint] = listCheckpoints(studio.db, runId);
    if (!checkpoint) throw new Error('no checkpoint');
    const model = rebuild(config, studio.datasets.store.root, checkpoint.path, checkpoint.sha256);
    const expected = ownDecoding(model, z);
    let differing = 0;
    for (let i = 0; i < z.length; i++) {
      const shown = Buffer.from(decoded.pixels[i] as string, 'base64');
      differing += shown.reduce((n, v, p) => n + (v === expected[i]?.[p] ? 0 : 1), 0);
      // The PNG holds the same pixels.
      const png = await grayPixels(decoded.images[i] as string);
      expect(png.info).toMatchObject({ width: 28, height: 28 });
      expect(Buffer.compare(png.data, shown)).toBe(0);
    }
    expect(differing).toBe(0);
    // Not a blank image: a decoding that varies with z.
    expect(new Set(expected[0]).size).toBeGreaterThan(10);
    model.dispose();
  });

  it("holds draws of a model's own prior: the AAE's ring of ten Gaussians", async () => {
    const aae = defaultRunConfig('aae');
    aae.backend = 'wasm';
    aae.dataset = { name: 'mnist', trainSubset: 200, testSubset: 100 };
    aae.training = { ...aae.training, epochs: 1, batchSize: 50 };
    aae.model = { ...(aae.model as object), latentSize: 2, prior: 'mixture' } as RunConfig['model'];
    const aaeRun = (await studio.api['runs.start']({ config: aae })).runId;
    await studio.orchestrator.whenEnded(aaeRun);
    const ring = await call<ExplorerInfo>('explorer.open', { runId: aaeRun });
    expect(ring.priorDraws).toHaveLength(100);
    // On the circle of radius 4 (σ 0.5 about each centre), not about the origin as N(0, I) would be.
    const radii = (ring.priorDraws ?? []).map(([a, b]) => Math.hypot(a as number, b as number));
    expect(radii.reduce((s, r) => s + r, 0) / radii.length).toBeGreaterThan(3.5);
    expect(Math.min(...radii)).toBeGreaterThan(2);
    await call('explorer.close', { sessionId: ring.sessionId });
  });

  it("says where a sparse AE's ReLU code starts: its sliders and samples go no lower than its codes can", async () => {
    const sparse = defaultRunConfig('sparse-ae');
    sparse.backend = 'wasm';
    sparse.dataset = { name: 'mnist', trainSubset: 200, testSubset: 100 };
    sparse.training = { ...sparse.training, epochs: 1, batchSize: 50 };
    const sparseRun = (await studio.api['runs.start']({ config: sparse })).runId;
    await studio.orchestrator.whenEnded(sparseRun);
    const opened = await call<ExplorerInfo>('explorer.open', { runId: sparseRun });
    expect(opened.codeRange).toEqual({ min: 0, max: null, activation: 'ReLU' });
    // As its encoder gives them: no code below 0, and some exactly 0.
    expect(Math.min(...opened.spread.min)).toBe(0);
    // A linear code has no bounds.
    sparse.model = { ...(sparse.model as object), codeActivation: 'linear' } as RunConfig['model'];
    const linearRun = (await studio.api['runs.start']({ config: sparse })).runId;
    await studio.orchestrator.whenEnded(linearRun);
    const linear = await call<ExplorerInfo>('explorer.open', { runId: linearRun });
    expect(linear.codeRange).toBeNull();
    expect(Math.min(...linear.spread.min)).toBeLessThan(0);
    await Promise.all([opened, linear].map((s) => call('explorer.close', { sessionId: s.sessionId })));
  });

  it("encode then decode gives the run's own reconstructions", async () => {
    const artifacts = await studio.api['artifacts.list']({ runId });
    const recon = artifacts.filter((a) => a.kind === 'reconstructions').at(-1);
    if (!recon) throw new Error('no reconstructions');
    const grid = await grayPixels(studio.artifact(recon.id)!.data.toString('base64'));
    // The panel: the first test image of each digit in turn (the train handler's panelIndices).
    const labels = studio.datasets.open(config.dataset).test.labels as Uint8Array;
    const panel = Array.from({ length: 10 }, (_, digit) => labels.indexOf(digit));
    const cell = (row: number, col: number) => {
      const out = Buffer.alloc(784);
      for (let y = 0; y < 28; y++) {
        const from = (2 + row * 30 + y) * grid.info.width + 2 + col * 30;
        grid.data.copy(out, y * 28, from, from + 28);
      }
      return out;
    };
    const encoded = await call<{ codes: number[][]; labels: number[]; images: string[] }>('explorer.encode', {
      sessionId: session.sessionId,
      indices: panel,
    });
    expect(encoded.labels).toEqual(Array.from({ length: 10 }, (_, d) => d));
    const decoded = await call<{ pixels: string[] }>('explorer.decode', { sessionId: session.sessionId, z: encoded.codes });
    for (let i = 0; i < 10; i++) {
      const original = (await grayPixels(encoded.images[i] as string)).data;
      expect(Buffer.compare(original, cell(0, i)), `test image ${panel[i]}`).toBe(0);
      expect(Buffer.compare(Buffer.from(decoded.pixels[i] as string, 'base64'), cell(1, i)), `reconstruction ${i}`).toBe(0);
    }
  });

  it('refuses bad input naming the field, and an unknown session', async () => {
    const sessionId = session.sessionId;
    const z = someCodes(5, 20, 1);
    z[3] = z[3]!.slice(0, 19);
    await expect(call('explorer.decode', { sessionId, z })).rejects.toThrow('z[3]: expected 20 numbers');
    await expect(call('explorer.decode', { sessionId, z: [[1, 2, 'x']] })).rejects.toThrow(/z\[0\]\[2\]/);
    await expect(call('explorer.decode', { sessionId, z: someCodes(65, 20, 1) })).rejects.toThrow(
      /^invalid explorer.decode request: z:/,
    );
    await expect(call('explorer.decode', { sessionId, z: someCodes(1, 20, 1), labels: [3] })).rejects.toThrow(
      /labels: .* not conditional/,
    );
    await expect(call('explorer.decode', { sessionId, z: someCodes(1, 20, 1), decoder: 'b' })).rejects.toThrow(/^decoder: /);
    await expect(call('explorer.encode', { sessionId, indices: [0, 200] })).rejects.toThrow(
      "indices[1]: 200 is past the run's 200 test images",
    );
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(call('explorer.decode', { sessionId: unknown, z: someCodes(1, 20, 1) })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('sessionId: no explorer session'),
    });
    await expect(call('explorer.open', { runId: 9999 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a killed worker fails the pending and the next call with how it died; the studio keeps working', async () => {
    const pid = studio.explorer.pid(session.sessionId);
    if (!pid) throw new Error('no worker pid');
    // Stopped first, so that the call is surely still waiting when the worker is killed.
    process.kill(pid, 'SIGSTOP');
    const pending = call('explorer.decode', { sessionId: session.sessionId, z: someCodes(2, 20, 2) });
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toThrow(/has ended: its worker ended: the explorer’s worker was killed \(SIGKILL/);
    await expect(call('explorer.decode', { sessionId: session.sessionId, z: someCodes(1, 20, 2) })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/was killed.*Open the run in the explorer again/),
    });
    // The studio goes on: its runs, and a new session on the same run.
    expect((await studio.api['runs.get']({ runId })).status).toBe('completed');
    const again = await call<ExplorerInfo>('explorer.open', { runId });
    const decoded = await call<{ pixels: string[] }>('explorer.decode', { sessionId: again.sessionId, z: someCodes(1, 20, 3) });
    expect(decoded.pixels).toHaveLength(1);
    expect(await call('explorer.close', { sessionId: again.sessionId })).toEqual({ closed: true });
    await expect(call('explorer.decode', { sessionId: again.sessionId, z: someCodes(1, 20, 3) })).rejects.toThrow(
      /has ended: it was closed/,
    );
    expect(studio.explorer.openCount).toBe(0);
  });

  it('an idle session closes, and its worker leaves', async () => {
    const sessions = new ExplorerSessions({
      db: studio.db,
      orchestrator: studio.orchestrator,
      locations: { root: studio.datasets.store.root },
      idleMs: 400,
    });
    const { sessionId } = await sessions.open({ runId });
    const pid = sessions.pid(sessionId);
    if (!pid) throw new Error('no worker pid');
    await new Promise((r) => setTimeout(r, 700));
    expect(sessions.openCount).toBe(0);
    await expect(sessions.decode({ sessionId, z: someCodes(1, 20, 4) })).rejects.toThrow(/has ended: it was idle for 0.4 s/);
    // Asked to close, the worker exits by itself.
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });

  it('makes room for a new session by closing a ready one first; one closed while it starts says why', async () => {
    const open = (maxSessions: number) =>
      new ExplorerSessions({
        db: studio.db,
        orchestrator: studio.orchestrator,
        locations: { root: studio.datasets.store.root },
        maxSessions,
      });
    const two = open(2);
    const a = await two.open({ runId });
    const starting = two.open({ runId });
    // A used after B began to start (a moment later: the clock counts milliseconds): by use alone, B would go.
    await new Promise((r) => setTimeout(r, 50));
    await two.decode({ sessionId: a.sessionId, z: someCodes(1, 20, 5) });
    const c = await two.open({ runId });
    const b = await starting;
    await expect(two.decode({ sessionId: a.sessionId, z: someCodes(1, 20, 5) })).rejects.toThrow(
      /has ended: more than 2 explorer sessions were opened; it was the least recently used/,
    );
    for (const { sessionId } of [b, c]) expect((await two.decode({ sessionId, z: someCodes(1, 20, 5) })).pixels).toHaveLength(1);
    two.closeAll();

    const one = open(1);
    await one.open({ runId });
    const first = one.open({ runId });
    const second = one.open({ runId });
    await expect(first).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/has ended: more than 1 explorer sessions were opened/),
    });
    await second;
    one.closeAll();
  });

  it("a deleted run's sessions close: none decodes for a run that is gone", async () => {
    const { sessionId } = await call<ExplorerInfo>('explorer.open', { runId });
    const pid = studio.explorer.pid(sessionId);
    expect(await studio.api['runs.delete']({ runId })).toEqual({ deleted: true });
    await expect(call('explorer.decode', { sessionId, z: someCodes(1, 20, 6) })).rejects.toThrow(
      new RegExp(`has ended: run ${runId} was deleted`),
    );
    await expect.poll(() => alive(pid ?? 0), { timeout: 5000 }).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPreset, type Studio } from '../../src/core/studio';
import { loadMnist } from '../../src/core/datasets/catalog';
import { createOptimizer } from '../../src/core/training/trainer';
import { familyModels } from '../../src/families/models';
import { selectBackend } from '../../src/ml/backend';
import { fillBatch } from '../../src/ml/dataset';
import { tf, type Variable } from '../../src/ml/tf';
import { mnistConfig, openTestStudio, tempDir } from './helpers';

/**
 * WebGPU through Dawn on this machine's adapter: without a GPU, Mesa's llvmpipe through Dawn's OpenGL backend, a
 * software adapter, used only when asked for with LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1. On a machine with a GPU the
 * same tests run on it.
 */
const allow = 'LATENT_STUDIO_ALLOW_SOFTWARE_GPU';
afterAll(() => {
  delete process.env[allow];
});

/** `steps` Adam steps of a VAE preset's model on MNIST batches of 128 on `backend`; the losses, read asynchronously. */
async function losses(backend: 'webgpu' | 'wasm', preset: string, steps: number) {
  const info = await selectBackend(backend, [], { syncReads: false });
  expect(info.name, info.reason).toBe(backend);
  const ds = loadMnist({ trainSubset: 128 * steps, testSubset: 100 });
  const config = findPreset(preset);
  if (config?.family !== 'vae') throw new Error(`no vae preset ${preset}`);
  const model = familyModels.vae.build({
    model: config.model,
    training: { loss: 'bce', batchSize: 128, epochs: 1, learningRate: 1e-3, optimizer: 'adam', seed: 1 },
    inputShape: [28, 28, 1],
    seed: 1,
    classes: 10,
  });
  const opt = createOptimizer({ optimizer: 'adam', learningRate: 1e-3 });
  const vars = model.trainableWeights().map((w) => w.read() as Variable);
  const buf = new Float32Array(128 * 784);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    fillBatch(
      ds.train,
      784,
      Array.from({ length: 128 }, (_, j) => i * 128 + j),
      buf,
    );
    const loss = tf.tidy(
      () => opt.minimize(() => model.computeLoss(tf.tensor2d(buf, [128, 784]), true).total, true, vars) ?? tf.scalar(NaN),
    );
    out.push((await loss.data())[0] as number);
    loss.dispose();
  }
  model.dispose();
  opt.dispose();
  return { losses: out, info };
}

describe('WebGPU through Dawn', () => {
  it('trains the studio’s VAEs as wasm does, step for step (on the software adapter where there is no GPU)', async () => {
    process.env[allow] = '1';
    for (const [preset, steps] of [
      ['vae-784-512-256-20', 12],
      ['conv-vae', 4],
    ] as const) {
      const gpu = await losses('webgpu', preset, steps);
      const ref = await losses('wasm', preset, steps);
      console.log(
        `${preset} on ${gpu.info.reason}: losses ${gpu.losses.map((l) => l.toFixed(3)).join(', ')}; wasm ${ref.losses.map((l) => l.toFixed(3)).join(', ')}`,
      );
      // The adapter is recorded, and the reason names it.
      expect(gpu.info.reason).toContain(gpu.info.adapter?.description ?? 'no adapter recorded');
      // The same curve to float32 rounding: it learns (the loss falls), and every step's loss matches wasm's.
      expect(gpu.losses.at(-1)).toBeLessThan(gpu.losses[0] as number);
      gpu.losses.forEach((l, i) =>
        expect(Math.abs(l - (ref.losses[i] as number)) / (ref.losses[i] as number)).toBeLessThan(1e-3),
      );
    }
  });
});

describe('the studio’s workers and webgpu', () => {
  let tmp: ReturnType<typeof tempDir>;
  let studio: Studio;
  beforeAll(() => {
    tmp = tempDir();
    studio = openTestStudio(join(tmp.dir, 'studio.db'));
  });
  afterAll(async () => {
    await studio.close();
    tmp.cleanup();
  });

  it('a run asking for webgpu trains on wasm, and its reason names why; auto never takes a software adapter', async () => {
    process.env[allow] = '1';
    for (const backend of ['webgpu', 'auto'] as const) {
      const { runId } = await studio.api['runs.start']({
        config: { ...mnistConfig({ trainSubset: 300, testSubset: 100 }), backend },
      });
      await studio.orchestrator.whenEnded(runId);
      const run = await studio.api['runs.get']({ runId });
      expect([run.status, run.backend]).toEqual(['completed', 'wasm']);
      expect(run.backendReason).toMatch(/webgpu unavailable: the studio's epoch-end work .* reads tensors synchronously/);
      expect(run.backendReason).toMatch(backend === 'webgpu' ? /\(requested webgpu, fell back\)/ : /\(auto\)/);
    }
  });
});

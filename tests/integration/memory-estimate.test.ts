import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/core/studio';
import { createOptimizer } from '../../src/core/training/trainer';
import { modelMemory } from '../../src/families/memory';
import { familyModels } from '../../src/families/models';
import { familySpecs } from '../../src/families/specs';
import type { FamilyId } from '../../src/families/specs';
import { explainFailure, selectBackend } from '../../src/ml/backend';
import { tf, type Scalar, type Tensor, type Variable } from '../../src/ml/tf';

/** wasm's heap: it grows to a step's peak and never shrinks, so its size is the high-water mark so far. */
const heapBytes = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;

const dense = (units: number) => ({ type: 'dense' as const, units, activation: 'relu' as const });

/**
 * Models whose training memory the estimate must cover, in order of their need (the heap only grows, so each must
 * need more than the one before for its own high-water mark to show): a conv VAE, a dense autoencoder whose weights
 * dominate, and a conv autoencoder whose 3×3 convolution over a 28×28×64 map builds a large patch matrix.
 */
const cases: { name: string; family: FamilyId; model: unknown; batch: number }[] = [
  { name: 'conv VAE, batch 256', family: 'vae', model: findPreset('conv-vae')?.model, batch: 256 },
  {
    name: 'dense AE 4 × 2048, batch 256',
    family: 'autoencoder',
    model: {
      encoder: [dense(2048), dense(2048)],
      latentSize: 32,
      decoder: [dense(2048), dense(2048)],
      outputActivation: 'sigmoid',
    },
    batch: 256,
  },
  { name: 'conv AE (upsampling), batch 256', family: 'autoencoder', model: findPreset('conv-ae-upsample')?.model, batch: 256 },
];

describe('the training memory estimate', () => {
  it('covers what four Adam steps on wasm take, and is less than twice it', async () => {
    await selectBackend('wasm', [], { threads: false });
    // Each model is disposed before the next: its blocks are free for the next to reuse, so what the heap holds past
    // where it started is the high-water mark of the largest model so far.
    const start = heapBytes();
    for (const c of cases) {
      const training = {
        loss: 'mse' as const,
        batchSize: c.batch,
        epochs: 1,
        learningRate: 1e-3,
        optimizer: 'adam' as const,
        seed: 1,
      };
      const estimate = modelMemory(familySpecs[c.family], c.model, { image: [28, 28, 1], classes: 10, training });
      if (!estimate) throw new Error(`no estimate for ${c.name}`);
      const built = familyModels[c.family].build({
        model: c.model as never,
        training,
        inputShape: [28, 28, 1],
        seed: 1,
        classes: 10,
      });
      const vars = built.trainableWeights().map((w) => w.read() as Variable);
      const opt = createOptimizer({ optimizer: 'adam', learningRate: 1e-3 });
      const x = tf.randomUniform([c.batch, 784], 0, 1, 'float32', 1);
      for (let step = 0; step < 4; step++) {
        const loss = tf.tidy(() => opt.minimize(() => built.computeLoss(x, true).total, true, vars) as Scalar);
        await loss.data();
        loss.dispose();
      }
      const used = heapBytes() - start;
      console.log(
        `${c.name}: the heap grew to ${(used / 2 ** 20).toFixed(0)} MiB; estimated ${(estimate.bytes / 2 ** 20).toFixed(0)} MiB`,
      );
      expect(used, c.name).toBeGreaterThan(0);
      expect(estimate.bytes, c.name).toBeGreaterThanOrEqual(used);
      expect(estimate.bytes, c.name).toBeLessThan(2 * used);
      x.dispose();
      built.dispose();
      opt.dispose();
    }
  }, 180_000);

  // Last in this file: wasm is dead after it.
  it('a run that exhausts wasm’s heap fails with a message that says so and what to lower', async () => {
    await selectBackend('wasm', [], { threads: false });
    const held: Tensor[] = [];
    let failure = '';
    try {
      // 256 MiB at a time until the heap (4 GiB at most) cannot grow.
      for (let i = 0; i < 20; i++) held.push(tf.fill([64 * 2 ** 20], 1));
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    expect(failure).not.toBe('');
    expect(explainFailure(failure)).toMatch(/wasm most likely ran out of its heap .*training\.batchSize or narrower layers/);
    // Another failure is left as it is.
    expect(explainFailure('checkpoint 3 is missing')).toBe('checkpoint 3 is missing');
  }, 60_000);
});

/**
 * Training throughput of the two VAEs (the MLP VAE 784-512-256-20 and the conv VAE, as the studio's presets)
 * on real MNIST batches, with the studio's own model code and optimizer, per backend: what `npm run bench` and
 * scripts/gpu-check.sh print. Like the trainer, a step's loss is read back (asynchronously) every 8 steps, not each
 * step, and the clock stops once the last step's loss is read: the GPU's queue is drained.
 */
import { registerFusedAdam, unregisterFusedAdam } from '../src/ml/adam';
import { selectBackend } from '../src/ml/backend';
import { registerFusedGradients, unregisterFusedGradients } from '../src/ml/kernels/fused-gradients';
import { registerFusedLosses, unregisterFusedLosses } from '../src/ml/kernels/fused-losses';
import { countDispatches } from '../src/ml/webgpu';
import { createOptimizer } from '../src/core/training/trainer';
import { tf, type Variable } from '../src/ml/tf';
import { loadMnist } from '../src/core/datasets/catalog';
import { fillBatch } from '../src/ml/dataset';
import { familyModels } from '../src/families/models';
import type { VaeModel } from '../src/families/vae/spec';
import type { BackendPreference } from '../src/shared/config';
import type { GpuAdapterInfo as AdapterInfo } from '../src/shared/runs';
import { presetModel } from './vae-elbo';

/** The two throughput models, as the studio's own presets. */
export const vaeModels: Record<string, VaeModel> = {
  'mlp-vae-784-512-256-20': presetModel('vae-784-512-256-20'),
  'conv-vae': presetModel('conv-vae'),
};

/** As the trainer reads a step's loss back (trainer.ts, readBackEvery). */
const readBackEvery = 8;

export interface Throughput {
  backend: BackendPreference;
  model: string;
  batch: number;
  /** Samples per second, or NaN where the backend is not available (`unavailable` says why). */
  samplesPerSec: number;
  /** GPU dispatches (webgpu) or kernels (elsewhere) of one step, with the studio's fused kernels and without them. */
  perStep: { fused: number; composite: number; unit: 'dispatches' | 'kernels' } | null;
  adapter: AdapterInfo | null;
  unavailable?: string;
}

/** Samples per second of `steps` optimizer steps (Adam) on real MNIST batches, after 3 steps of warm-up. */
export async function throughput(backend: BackendPreference, model: string, steps: number, batch: number): Promise<Throughput> {
  // As a training worker does it: wasm with threads where there are cores for them.
  const info = await selectBackend(backend, [], { threads: true });
  if (info.name !== backend)
    return { backend, model, batch, samplesPerSec: NaN, perStep: null, adapter: null, unavailable: info.reason };
  const ds = loadMnist({ trainSubset: Math.max(batch * Math.min(steps + 3, 400), 128 * 400) });
  const batchesInSet = Math.floor(ds.train.count / batch);
  const built = familyModels.vae.build({
    model: vaeModels[model] as VaeModel,
    training: { loss: 'bce', batchSize: batch, epochs: 1, learningRate: 1e-3, optimizer: 'adam', seed: 1 },
    inputShape: [28, 28, 1],
    seed: 1,
    classes: 10,
  });
  // The studio's own optimizer, as a run makes it.
  const opt = createOptimizer({ optimizer: 'adam', learningRate: 1e-3 });
  const vars = built.trainableWeights().map((w) => w.read() as Variable);
  const buf = new Float32Array(batch * 784);
  const indices = Array.from({ length: batchesInSet }, (_, b) => Array.from({ length: batch }, (_, j) => b * batch + j));
  /** One step: its batch filled from memory and uploaded, as the trainer's are. */
  const run = (i: number) => {
    fillBatch(ds.train, 784, indices[i % batchesInSet] as number[], buf);
    return tf.tidy(() => {
      const x = tf.tensor2d(buf, [batch, 784]);
      return opt.minimize(() => built.computeLoss(x, true).total, true, vars) ?? tf.scalar(NaN);
    });
  };
  /** Steps from..to (exclusive); the loss read back every 8 steps and at the last (webgpu has no synchronous read). */
  const train = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const loss = run(i);
      if ((i - from) % readBackEvery === readBackEvery - 1 || i === to - 1) await loss.data();
      loss.dispose();
    }
  };
  await train(0, 3); // warm-up: programs compiled, memory allocated
  const perStep = async () => {
    if (backend !== 'webgpu') return (await tf.profile(() => tf.dispose(run(3)))).kernels.length;
    return countDispatches(() => tf.dispose(run(3)));
  };
  const fused = await perStep();
  // Without the studio's fused kernels (Adam, the ReLU and clip gradients, BCE and the KL on webgpu): tfjs's ops.
  const active = tf.getBackend();
  unregisterFusedAdam(active);
  unregisterFusedGradients(active);
  unregisterFusedLosses();
  const composite = await perStep();
  if (active === 'cpu' || active === 'wasm' || active === 'webgpu') {
    registerFusedAdam(active);
    registerFusedGradients(active);
  }
  if (active === 'webgpu') registerFusedLosses();
  await train(3, 6); // the fused programs again, compiled and warm
  const t0 = performance.now();
  await train(6, steps + 6);
  const samplesPerSec = (steps * batch) / ((performance.now() - t0) / 1000);
  built.dispose();
  opt.dispose();
  return {
    backend,
    model,
    batch,
    samplesPerSec,
    perStep: { fused, composite, unit: backend === 'webgpu' ? 'dispatches' : 'kernels' },
    adapter: info.adapter ?? null,
  };
}

/** One line of the bench's table. */
export function describeThroughput(t: Throughput): string {
  const head = `  ${t.model.padEnd(26)} ${t.backend.padEnd(6)} batch ${String(t.batch).padStart(3)}`;
  if (!t.perStep) return `${head} unavailable: ${t.unavailable ?? '?'}`;
  const on = t.adapter ? ` on ${t.adapter.device || t.adapter.description}` : '';
  return `${head} ${t.samplesPerSec.toFixed(0).padStart(7)} samples/s, ${t.perStep.fused} ${t.perStep.unit} a step (${t.perStep.composite} without the fused kernels)${on}`;
}

/**
 * Every backend × model × batch asked for; the cpu backend (minutes per conv step) on the MLP only. A backend
 * that is not available is reported once and skipped.
 */
export async function measureThroughput(
  backends: readonly BackendPreference[],
  batches: readonly number[],
  steps: number,
  log: (line: string) => void,
): Promise<Throughput[]> {
  const rows: Throughput[] = [];
  for (const backend of backends) {
    for (const model of Object.keys(vaeModels)) {
      if (backend === 'cpu' && model === 'conv-vae') continue;
      for (const batch of batches) {
        const row = await throughput(backend, model, backend === 'cpu' ? Math.min(steps, 5) : steps, batch);
        rows.push(row);
        log(describeThroughput(row));
        if (!row.perStep) break;
      }
      if (rows.at(-1)?.perStep === null) break;
    }
  }
  return rows;
}

/** The JSON line of bench/pytorch_vae.py --device cuda. */
export interface TorchCuda {
  device: string;
  torch: string;
  tf32?: boolean;
  bySamplesPerSec: Record<string, { mlp: number; conv: number }>;
}

/** The goals' verdict lines, from our rows and PyTorch's figures (null where torch did not run). */
export function verdict(rows: readonly Throughput[], torch: TorchCuda | null): string[] {
  const rate = (backend: string, model: string, batch: number) =>
    rows.find((r) => r.backend === backend && r.model === model && r.batch === batch)?.samplesPerSec ?? NaN;
  const lines: string[] = [];
  const x = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'unmeasured');
  const mark = (v: number, goal: number) => (Number.isFinite(v) ? (v >= goal ? 'met' : 'NOT met') : 'unmeasured');
  const overWasm = rate('webgpu', 'conv-vae', 128) / rate('wasm', 'conv-vae', 128);
  lines.push(`  conv VAE, batch 128: webgpu / wasm = ${x(overWasm)} (goal 5×: ${mark(overWasm, 5)})`);
  if (!torch) {
    lines.push('  PyTorch CUDA: not measured (no CUDA-enabled torch): the goal of half its throughput is unmeasured');
    return lines;
  }
  for (const [batch, t] of Object.entries(torch.bySamplesPerSec)) {
    for (const [model, key] of [
      ['mlp-vae-784-512-256-20', 'mlp'],
      ['conv-vae', 'conv'],
    ] as const) {
      const r = rate('webgpu', model, Number(batch)) / t[key];
      lines.push(
        `  ${model}, batch ${batch}: webgpu / PyTorch CUDA (${t[key].toFixed(0)} samples/s) = ${x(r)} (goal 0.5×: ${mark(r, 0.5)})`,
      );
    }
  }
  return lines;
}

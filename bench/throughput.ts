/**
 * Training throughput of the issue's two VAEs (the MLP VAE 784-512-256-20 and the conv VAE, as the studio's presets)
 * on real MNIST batches, with the studio's own model code and optimizer, per backend: what `npm run bench` and
 * scripts/gpu-check.sh print. Like the trainer, a step's loss is read back (asynchronously) every 8 steps, not each
 * step, and the clock stops once the last step's loss is read: the GPU's queue is drained.
 */
import { registerFusedAdam, unregisterFusedAdam } from '../src/ml/adam';
import { selectBackend } from '../src/ml/backend';
import { registerFusedGradients, unregisterFusedGradients } from '../src/ml/kernels/fused-gradients';
import { registerFusedLosses, unregisterFusedLosses } from '../src/ml/kernels/fused-losses';
import { countDispatches, webGpuHealth } from '../src/ml/webgpu';
import { useWebGpuConvFilterGradient, webGpuConvFilterGradientInUse } from '../src/ml/kernels/webgpu-conv-filter';
import { wasmThreadCount } from '../src/ml/wasm-threads';
import { createOptimizer } from '../src/core/training/trainer';
import { tf, type Tensor, type Variable } from '../src/ml/tf';
import { loadMnist } from '../src/core/datasets/catalog';
import { fillBatch } from '../src/ml/dataset';
import { familyModels } from '../src/families/models';
import type { VaeModel } from '../src/families/vae/spec';
import type { BackendPreference } from '../src/shared/config';
import type { GpuAdapterInfo as AdapterInfo } from '../src/shared/runs';
import { presetModel } from './vae-elbo';

/** The issue's two throughput models, as the studio's own presets. */
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
  /**
   * The loss of the last timed step. Backends run one seed on the same batches, so a NaN or a gap of tens of percent
   * flags a bad row; a few percent is rounding, which Adam's first steps amplify (7% seen between wasm and llvmpipe
   * after 10 steps of the MLP VAE; every preset agrees within 1% after 2 epochs, tests/integration/webgpu.test.ts).
   */
  finalLoss?: number;
  /** wasm's threads (the 5× goal depends on them). */
  threads?: number;
  /** WebGPU errors on the device during the row (each a dropped dispatch), and why it was lost, if it was. */
  gpuErrors?: number;
  deviceLost?: string | null;
  /** Measured with the filter gradient webgpu does not use by default (the reduction against tfjs's own). */
  variant?: string;
  /** The slowest kernels of one step by GPU time (webgpu with LATENT_STUDIO_GPU_PROFILE=1 and timestamp queries). */
  slowest?: { kernel: string; ms: number; shapes: string }[];
}

/** Samples per second of `steps` optimizer steps (Adam) on real MNIST batches, after 3 steps of warm-up. */
export async function throughput(
  backend: BackendPreference,
  model: string,
  steps: number,
  batch: number,
  convFilter?: 'reduction' | 'tfjs',
): Promise<Throughput> {
  // As a training worker does it: wasm with threads where there are cores for them.
  const info = await selectBackend(backend, [], { threads: true });
  if (info.name !== backend)
    return { backend, model, batch, samplesPerSec: NaN, perStep: null, adapter: null, unavailable: info.reason };
  const usual = backend === 'webgpu' ? webGpuConvFilterGradientInUse() : undefined;
  if (convFilter && usual) useWebGpuConvFilterGradient(convFilter);
  try {
    const row = await measured(backend, model, steps, batch, info.adapter ?? null);
    return convFilter && convFilter !== usual
      ? { ...row, variant: `${convFilter === 'tfjs' ? "tfjs's" : 'the reduction'} conv filter gradient` }
      : row;
  } finally {
    if (usual) useWebGpuConvFilterGradient(usual);
  }
}

async function measured(
  backend: BackendPreference,
  model: string,
  steps: number,
  batch: number,
  adapter: AdapterInfo | null,
): Promise<Throughput> {
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
    let last = NaN;
    for (let i = from; i < to; i++) {
      const loss = run(i);
      if ((i - from) % readBackEvery === readBackEvery - 1 || i === to - 1) last = (await loss.data())[0] as number;
      loss.dispose();
    }
    return last;
  };
  const active = tf.getBackend();
  try {
    await train(0, 3); // warm-up: programs compiled, memory allocated
    const perStep = async () => {
      if (backend !== 'webgpu') return (await tf.profile(() => tf.dispose(run(3)))).kernels.length;
      return countDispatches(() => tf.dispose(run(3)));
    };
    const fused = await perStep();
    // Without the studio's fused kernels (Adam, the ReLU and clip gradients, BCE and the KL on webgpu): tfjs's ops.
    unregisterFusedAdam(active);
    unregisterFusedGradients(active);
    unregisterFusedLosses();
    let composite: number;
    try {
      composite = await perStep();
    } finally {
      // Back whatever happened: the rows after this one measure the studio's kernels.
      reregister(active);
    }
    await train(3, 6); // the fused programs again, compiled and warm
    const errorsBefore = webGpuHealth().errors;
    const t0 = performance.now();
    const finalLoss = await train(6, steps + 6);
    const samplesPerSec = (steps * batch) / ((performance.now() - t0) / 1000);
    // After the timing, so that every backend's timed steps see the same batches and weights.
    const slowest =
      backend === 'webgpu' && process.env['LATENT_STUDIO_GPU_PROFILE'] === '1' ? await slowestKernels(() => run(3)) : undefined;
    return {
      backend,
      model,
      batch,
      samplesPerSec,
      perStep: { fused, composite, unit: backend === 'webgpu' ? 'dispatches' : 'kernels' },
      adapter,
      finalLoss,
      ...(backend === 'wasm' ? { threads: wasmThreadCount() } : {}),
      ...(backend === 'webgpu' ? { gpuErrors: webGpuHealth().errors - errorsBefore, deviceLost: webGpuHealth().lost } : {}),
      ...(slowest ? { slowest } : {}),
    };
  } finally {
    built.dispose();
    opt.dispose();
  }
}

/** The studio's fused kernels registered again on `active` (as selectBackend registers them). */
function reregister(active: string): void {
  if (active === 'cpu' || active === 'wasm' || active === 'webgpu') {
    registerFusedAdam(active);
    registerFusedGradients(active);
  }
  if (active === 'webgpu') registerFusedLosses();
}

/** One step's kernels by GPU time, the slowest first (tf.profile; GPU times need the device's timestamp queries). */
async function slowestKernels(step: () => Tensor): Promise<{ kernel: string; ms: number; shapes: string }[]> {
  let profile: Awaited<ReturnType<typeof tf.profile>>;
  try {
    profile = await tf.profile(() => tf.dispose(step()));
  } catch (e) {
    // A profile that fails costs the row nothing but the profile.
    console.error(`latent-studio bench: no kernel profile (${e instanceof Error ? e.message : String(e)})`);
    return [];
  }
  const byKernel = new Map<string, { kernel: string; ms: number; shapes: string }>();
  for (const k of profile.kernels) {
    const shapes = k.inputShapes.map((s) => `[${(s ?? []).join(',')}]`).join(' ');
    const key = `${k.name} ${shapes}`;
    const entry = byKernel.get(key) ?? { kernel: k.name, ms: 0, shapes };
    entry.ms += Number(k.kernelTimeMs) || 0;
    byKernel.set(key, entry);
  }
  // All zero: the device gives no timestamps (tfjs then reports 0 ms for every kernel), so no order either.
  if ([...byKernel.values()].every((k) => k.ms === 0)) return [];
  return [...byKernel.values()].sort((a, b) => b.ms - a.ms).slice(0, 8);
}

/** One line of the bench's table (and, when profiled, the slowest kernels beneath it). */
export function describeThroughput(t: Throughput): string {
  const head = `  ${t.model.padEnd(26)} ${t.backend.padEnd(6)} batch ${String(t.batch).padStart(3)}${t.variant ? ` (${t.variant})` : ''}`;
  if (!t.perStep) return `${head} unavailable: ${t.unavailable ?? '?'}`;
  const on = t.adapter ? ` on ${t.adapter.device || t.adapter.description} (${t.adapter.dawnBackend})` : '';
  const threads = t.threads !== undefined ? `, ${t.threads} thread${t.threads === 1 ? '' : 's'}` : '';
  const errors = t.gpuErrors ? `, ${t.gpuErrors} WebGPU errors` : '';
  const lost = t.deviceLost ? `, device lost (${t.deviceLost})` : '';
  const loss = t.finalLoss !== undefined ? `, last loss ${t.finalLoss.toPrecision(6)}` : '';
  const line = `${head} ${t.samplesPerSec.toFixed(0).padStart(7)} samples/s, ${t.perStep.fused} ${t.perStep.unit} a step (${t.perStep.composite} without the fused kernels)${on}${threads}${loss}${errors}${lost}`;
  const kernels = (t.slowest ?? []).map((k) => `      ${k.ms.toFixed(3).padStart(8)} ms  ${k.kernel} ${k.shapes}`);
  const profiled = kernels.length
    ? ['    the slowest kernels of one step (GPU time):', ...kernels]
    : t.slowest
      ? ['    (no GPU time per kernel: the device has no timestamp queries)']
      : [];
  return [line, ...profiled].join('\n');
}

/**
 * Every model × batch × backend asked for, the conv VAE first (the goal's cell, conv VAE at batch 128 on each
 * backend, is measured before anything else); the cpu backend (minutes per conv step) on the MLP only. A backend
 * that is not available is reported once and skipped; a row that fails (a lost device, memory) is reported and the
 * rest go on. `row` hears each row as it is measured (to keep what was measured if a later row hangs).
 */
export async function measureThroughput(
  backends: readonly BackendPreference[],
  batches: readonly number[],
  steps: number,
  log: (line: string) => void,
  row: (rows: readonly Throughput[]) => void = () => undefined,
): Promise<Throughput[]> {
  const rows: Throughput[] = [];
  const unavailable = new Set<BackendPreference>();
  for (const model of ['conv-vae', ...Object.keys(vaeModels).filter((m) => m !== 'conv-vae')]) {
    for (const batch of batches) {
      for (const backend of backends) {
        if (unavailable.has(backend) || (backend === 'cpu' && model === 'conv-vae')) continue;
        let measured: Throughput;
        try {
          measured = await throughput(backend, model, backend === 'cpu' ? Math.min(steps, 5) : steps, batch);
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          measured = {
            backend,
            model,
            batch,
            samplesPerSec: NaN,
            perStep: null,
            adapter: null,
            unavailable: `failed: ${message}`,
          };
        }
        if (!measured.perStep && !measured.unavailable?.startsWith('failed')) unavailable.add(backend);
        rows.push(measured);
        log(describeThroughput(measured));
        row(rows);
        // The conv VAE on webgpu again with the other filter gradient: which is faster on this GPU.
        if (backend === 'webgpu' && model === 'conv-vae' && measured.perStep) {
          const other = webGpuConvFilterGradientInUse() === 'reduction' ? 'tfjs' : 'reduction';
          const variant = await throughput(backend, model, steps, batch, other).catch((e: unknown): Throughput => ({
            ...measured,
            samplesPerSec: NaN,
            perStep: null,
            unavailable: `failed: ${String(e)}`,
          }));
          rows.push({ ...variant, variant: variant.variant ?? `the ${other} conv filter gradient` });
          log(describeThroughput(rows.at(-1) as Throughput));
          row(rows);
        }
      }
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

/** PyTorch's figures: the last line of its output that is a JSON object, or null (a failed run, a message). */
export function torchFigures(output: string): TorchCuda | null {
  const line = output
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .at(-1);
  try {
    return line ? (JSON.parse(line) as TorchCuda) : null;
  } catch {
    return null;
  }
}

/** The goals' verdict lines, from our rows and PyTorch's figures (null where torch did not run). */
export function verdict(rows: readonly Throughput[], torch: TorchCuda | null): string[] {
  const rate = (backend: string, model: string, batch: number) =>
    rows.find((r) => r.backend === backend && r.model === model && r.batch === batch && !r.variant)?.samplesPerSec ?? NaN;
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

/**
 * scripts/gpu-check.sh's measurement: the studio's training throughput per backend (webgpu and wasm by default) on
 * the two VAEs at batch 128 and 512, and the verdict against the WebGPU issue's goals when PyTorch's figures on the
 * same GPU are given (`--torch FILE`, the JSON line of bench/pytorch_vae.py --device cuda):
 * - webgpu at least 5× wasm on the conv VAE at batch 128;
 * - webgpu at least half of PyTorch CUDA's samples/s, each model and batch.
 * `--out FILE` keeps every figure as JSON. Nothing is asserted: it prints figures for a note.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BackendPreference } from '../src/shared/config';
import { measureThroughput, type Throughput } from './throughput';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,wasm' },
    batches: { type: 'string', default: '128,512' },
    steps: { type: 'string', default: '200' },
    torch: { type: 'string' },
    out: { type: 'string' },
  },
});

interface TorchCuda {
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

const backends = values.backends.split(',').map((b) => b.trim()) as BackendPreference[];
const batches = values.batches.split(',').map(Number);
console.log(`The studio: samples/s per backend (${values.steps} steps, Adam, real MNIST batches):`);
const rows = await measureThroughput(backends, batches, Number(values.steps), (line) => console.log(line));
const adapter = rows.find((r) => r.adapter)?.adapter ?? null;
const torch =
  values.torch && existsSync(values.torch) && readFileSync(values.torch, 'utf8').trim() !== ''
    ? (JSON.parse(readFileSync(values.torch, 'utf8').trim().split('\n').at(-1) ?? 'null') as TorchCuda | null)
    : null;
if (torch) console.log(`PyTorch ${torch.torch} on ${torch.device}${torch.tf32 === false ? ' (TF32 off)' : ''}.`);
console.log('The goals:');
for (const line of verdict(rows, torch)) console.log(line);
if (values.out) writeFileSync(values.out, `${JSON.stringify({ adapter, rows, torch }, null, 2)}\n`);
// wasm's thread pool (worker threads) would keep the process alive.
process.exit(0);

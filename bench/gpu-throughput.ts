/**
 * scripts/gpu-check.sh's measurement: the studio's training throughput per backend (webgpu and wasm by default) on
 * the two VAEs at batch 128 and 512, and the verdict against the WebGPU issue's goals when PyTorch's figures on the
 * same GPU are given (`--torch FILE`, the JSON line of bench/pytorch_vae.py --device cuda):
 * - webgpu at least 5× wasm on the conv VAE at batch 128;
 * - webgpu at least half of PyTorch CUDA's samples/s, each model and batch.
 * `--out FILE` keeps every figure as JSON, written after each row; `--verdict --rows FILE --torch FILE` gives the
 * goals from rows measured before. Nothing is asserted: it prints figures for a note.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/ml/backend';
import type { BackendPreference } from '../src/shared/config';
import { measureThroughput, torchFigures, verdict, type Throughput, type TorchCuda } from './throughput';

const { values } = parseArgs({
  options: {
    // The adapter WebGPU takes here (or why none), and nothing else.
    adapter: { type: 'boolean', default: false },
    backends: { type: 'string', default: 'webgpu,wasm' },
    batches: { type: 'string', default: '128,512' },
    steps: { type: 'string', default: '200' },
    torch: { type: 'string' },
    out: { type: 'string' },
    verdict: { type: 'boolean', default: false },
    rows: { type: 'string' },
  },
});

if (values.adapter) {
  const info = await selectBackend('webgpu', []);
  console.log(
    info.name === 'webgpu'
      ? JSON.stringify(info.adapter)
      : `webgpu unavailable: ${/webgpu unavailable: (.*?)(; \w+ unavailable|$)/.exec(info.reason)?.[1] ?? info.reason}`,
  );
  process.exit(0);
}

/** PyTorch's figures from its output file, or null where it did not run or failed. */
const readTorch = (file: string | undefined): TorchCuda | null =>
  file && existsSync(file) ? torchFigures(readFileSync(file, 'utf8')) : null;

const save = (rows: readonly Throughput[], torch: TorchCuda | null) => {
  const adapter = rows.find((r) => r.adapter)?.adapter ?? null;
  if (!values.out) return;
  // Whole or not at all: a process killed while it writes leaves the last rows it saved.
  writeFileSync(`${values.out}.partial`, `${JSON.stringify({ adapter, rows, torch }, null, 2)}\n`);
  renameSync(`${values.out}.partial`, values.out);
};

/** PyTorch's device, then the goals' verdict lines. */
function printGoals(rows: readonly Throughput[], torch: TorchCuda | null): void {
  if (torch) console.log(`PyTorch ${torch.torch} on ${torch.device}${torch.tf32 === false ? ' (TF32 off)' : ''}.`);
  console.log('The goals:');
  for (const line of verdict(rows, torch)) console.log(line);
}

// --verdict: the goals from rows measured before (--rows, the --out of an earlier call) and PyTorch's figures, so
// that PyTorch can run after the studio's measurement and a hang in either keeps what the other measured.
if (values.verdict) {
  const rows =
    values.rows && existsSync(values.rows) ? (JSON.parse(readFileSync(values.rows, 'utf8')) as { rows: Throughput[] }).rows : [];
  const torch = readTorch(values.torch);
  printGoals(rows, torch);
  save(rows, torch);
  process.exit(0);
}

const backends = values.backends.split(',').map((b) => b.trim()) as BackendPreference[];
const batches = values.batches.split(',').map(Number);
console.log(`The studio: samples/s per backend (${values.steps} steps, Adam, real MNIST batches):`);
const rows = await measureThroughput(
  backends,
  batches,
  Number(values.steps),
  (line) => console.log(line),
  (r) => save(r, null),
);
// The goals here only with PyTorch's figures asked for; scripts/gpu-check.sh asks for them in a call of their own.
const torch = readTorch(values.torch);
if (values.torch) {
  printGoals(rows, torch);
}
save(rows, torch);
// wasm's thread pool (worker threads) would keep the process alive.
process.exit(0);

import { describe, expect, it } from 'vitest';
import { verdict, type Throughput } from '../../bench/throughput';

const row = (backend: 'webgpu' | 'wasm', model: string, batch: number, samplesPerSec: number): Throughput => ({
  backend,
  model,
  batch,
  samplesPerSec,
  perStep: { fused: 1, composite: 2, unit: 'kernels' },
  adapter: null,
});

describe("scripts/gpu-check.sh's verdict", () => {
  it('reads each goal off the figures: 5× wasm on the conv VAE at batch 128, half of PyTorch CUDA per model and batch', () => {
    const rows = [
      row('webgpu', 'conv-vae', 128, 10_000),
      row('wasm', 'conv-vae', 128, 1_000),
      row('webgpu', 'mlp-vae-784-512-256-20', 128, 12_000),
    ];
    const torch = { device: 'H100', torch: '2.11', bySamplesPerSec: { '128': { mlp: 30_000, conv: 16_000 } } };
    expect(verdict(rows, torch)).toEqual([
      '  conv VAE, batch 128: webgpu / wasm = 10.00× (goal 5×: met)',
      '  mlp-vae-784-512-256-20, batch 128: webgpu / PyTorch CUDA (30000 samples/s) = 0.40× (goal 0.5×: NOT met)',
      '  conv-vae, batch 128: webgpu / PyTorch CUDA (16000 samples/s) = 0.63× (goal 0.5×: met)',
    ]);
  });

  it('says a goal is unmeasured where webgpu or PyTorch did not run, never met', () => {
    const lines = verdict([row('wasm', 'conv-vae', 128, 1_000)], null);
    expect(lines).toEqual([
      '  conv VAE, batch 128: webgpu / wasm = unmeasured (goal 5×: unmeasured)',
      '  PyTorch CUDA: not measured (no CUDA-enabled torch): the goal of half its throughput is unmeasured',
    ]);
  });
});

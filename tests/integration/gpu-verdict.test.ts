import { describe, expect, it } from 'vitest';
import { describeThroughput, torchFigures, verdict, type Throughput } from '../../bench/throughput';

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
      // The conv VAE with the other filter gradient: a figure beside the verdict, not in it.
      { ...row('webgpu', 'conv-vae', 128, 99_000), variant: "tfjs's conv filter gradient" },
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

  it("reads PyTorch's figures from its last JSON line; a failed or cut-off run gives none, not a crash", () => {
    const figures = { device: 'H100', torch: '2.11', bySamplesPerSec: { '128': { mlp: 1, conv: 2 } } };
    expect(torchFigures(`warming up\n${JSON.stringify(figures)}\n`)).toEqual(figures);
    expect(torchFigures('!! failed (exit 124, over 150 s): python3 bench/pytorch_vae.py\n')).toBeNull();
    expect(torchFigures('{"device": "H1')).toBeNull();
    expect(torchFigures('')).toBeNull();
  });

  it("prints a row's last loss, threads, errors and slowest kernels, and says when the device gives no GPU times", () => {
    const webgpu = { ...row('webgpu', 'conv-vae', 128, 9_000), finalLoss: 210.5, gpuErrors: 2, deviceLost: null };
    const kernels = [{ kernel: 'Conv2DBackpropFilter', ms: 1.25, shapes: '[128,28,28,1] [128,14,14,32]' }];
    expect(describeThroughput({ ...webgpu, slowest: kernels }).split('\n')).toEqual([
      expect.stringMatching(
        /9000 samples\/s, 1 kernels a step \(2 without the fused kernels\), last loss 210\.500, 2 WebGPU errors$/,
      ),
      '    the slowest kernels of one step (GPU time):',
      '         1.250 ms  Conv2DBackpropFilter [128,28,28,1] [128,14,14,32]',
    ]);
    expect(describeThroughput({ ...webgpu, slowest: [] })).toMatch(
      /\n {4}\(no GPU time per kernel: the device has no timestamp queries\)$/,
    );
    expect(describeThroughput({ ...row('wasm', 'conv-vae', 128, 1_000), threads: 8 })).toMatch(/, 8 threads$/);
  });
});

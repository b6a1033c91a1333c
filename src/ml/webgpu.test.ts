import { describe, expect, it, vi } from 'vitest';
import type { GpuAdapterInfo } from '../shared/runs';
import { chooseAdapter, isSoftwareAdapter, watchDevice, webGpuHealth, wouldSplitK } from './webgpu';

const adapter = (device: string, description: string, dawnBackend = 'native (Vulkan, Metal or D3D12)'): GpuAdapterInfo => {
  const info = { vendor: '', architecture: '', device, description, dawnBackend };
  return { ...info, software: isSoftwareAdapter(info) };
};
const llvmpipe = adapter(
  'llvmpipe-llvm-15-0-6-256-bits-',
  'OpenGL version 4.5 (Core Profile) Mesa 22.3.6',
  'OpenGL (compatibility mode)',
);
const lavapipe = adapter('llvmpipe (LLVM 15.0.6, 256 bits)', 'Mesa 22.3.6 (lavapipe)');
const swiftshader = adapter('SwiftShader Device (Subzero)', 'SwiftShader driver');
const nvidia = { ...adapter('NVIDIA H200', 'NVIDIA 550.54'), vendor: 'nvidia', architecture: 'hopper' };
const radeon = { ...adapter('AMD Radeon RX 7900 XTX', 'RADV NAVI31'), vendor: 'amd', architecture: 'rdna-3' };

describe('the WebGPU adapter rule', () => {
  it('recognises the software rasterisers by what they say of themselves', () => {
    expect([llvmpipe, lavapipe, swiftshader].map((a) => a.software)).toEqual([true, true, true]);
    expect([nvidia, radeon].map((a) => a.software)).toEqual([false, false]);
  });

  it('never takes a software adapter unless allowed, and says why', () => {
    expect(chooseAdapter([llvmpipe, nvidia], { allowSoftware: false })).toBe(nvidia);
    expect(() => chooseAdapter([lavapipe, llvmpipe], { allowSoftware: false })).toThrow(
      /only a software adapter was found \(llvmpipe.*\(software\).*LATENT_STUDIO_ALLOW_SOFTWARE_GPU=1/,
    );
    expect(chooseAdapter([llvmpipe], { allowSoftware: true })).toBe(llvmpipe);
    expect(() => chooseAdapter([], { allowSoftware: true })).toThrow('Dawn found no WebGPU adapter');
  });

  it('takes the first hardware adapter in Dawn’s order, or the one named', () => {
    expect(chooseAdapter([nvidia, radeon], { allowSoftware: false })).toBe(nvidia);
    expect(chooseAdapter([nvidia, radeon], { allowSoftware: false, name: 'Radeon' })).toBe(radeon);
    expect(chooseAdapter([nvidia, radeon], { allowSoftware: false, name: 'hopper' })).toBe(nvidia);
    expect(() => chooseAdapter([nvidia, radeon], { allowSoftware: false, name: 'intel' })).toThrow(
      /no adapter's name contains "intel" \(found: nvidia hopper NVIDIA H200/,
    );
  });
});

describe('the products tfjs-backend-webgpu would sum with float atomics (split K)', () => {
  it('are the single products with few output tiles, over 128 outputs and an inner dimension of 2,000 or more', () => {
    // DEC's 2000 → 10 layer on a batch of 64, forward: split K (threshold 8 tiles, as on every non-Intel adapter).
    expect(wouldSplitK([64, 2000], [2000, 10], false, false, 8)).toBe(true);
    // Its weight gradient xᵀ·dy sums over the batch, not over 2,000.
    expect(wouldSplitK([64, 2000], [64, 10], true, false, 8)).toBe(false);
    // The same product transposed as tfjs-layers' gradient of the input computes it: dy·Wᵀ, inner 10.
    expect(wouldSplitK([64, 10], [2000, 10], false, true, 8)).toBe(false);
    // An inner dimension just below 2,000; a batch of products; 128 outputs or fewer (tfjs's reduce program).
    expect(wouldSplitK([64, 1999], [1999, 10], false, false, 8)).toBe(false);
    expect(wouldSplitK([2, 64, 2000], [2, 2000, 10], false, false, 8)).toBe(false);
    expect(wouldSplitK([8, 2000], [2000, 16], false, false, 8)).toBe(false);
    // Many output tiles: the packed program.
    expect(wouldSplitK([512, 2000], [2000, 512], false, false, 8)).toBe(false);
  });
});

describe("the device's asynchronous errors", () => {
  it('are counted and said (each message once), and a lost device says why', async () => {
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const device = {
        onuncapturederror: null as null | ((e: { error: { message: string } }) => void),
        lost: Promise.resolve({ reason: 'unknown', message: 'the driver reset' }),
      };
      watchDevice(device as unknown as GPUDevice);
      for (const message of ['out of memory', 'out of memory', 'invalid buffer'])
        device.onuncapturederror?.({ error: { message } });
      await device.lost;
      await Promise.resolve();
      expect(webGpuHealth()).toEqual({
        errors: 3,
        shown: ['out of memory', 'invalid buffer'],
        lost: 'unknown: the driver reset',
      });
      expect(said.mock.calls.map(([line]) => line)).toEqual([
        'latent-studio: a WebGPU error on the device: out of memory',
        'latent-studio: a WebGPU error on the device: invalid buffer',
        'latent-studio: the WebGPU device was lost (unknown: the driver reset)',
      ]);
    } finally {
      said.mockRestore();
    }
  });
});

import { describe, expect, it, vi } from 'vitest';
import { nativeBackendOnGpu, selectBackend } from './backend';
import { tf } from './tf';

describe('the GPU flag of a native backend', () => {
  it('is set only where libtensorflow’s binding found a GPU, not for tfjs-node-gpu running on the CPU', async () => {
    expect(nativeBackendOnGpu({ isUsingGpuDevice: true })).toBe(true);
    expect(nativeBackendOnGpu({ isUsingGpuDevice: false })).toBe(false);
    expect(nativeBackendOnGpu(null)).toBe(false);
    await selectBackend('cpu');
    expect(nativeBackendOnGpu(tf.backend())).toBe(false);
  });

  it('leaves tfjs-node-gpu, absent here, for a CPU backend and names why', async () => {
    const info = await selectBackend('tensorflow-gpu');
    expect(info.gpu).toBe(false);
    expect(info.reason).toMatch(/\(requested tensorflow-gpu, fell back\); tensorflow-gpu unavailable: /);
  });
});

describe('webgpu asked for where no adapter suits', () => {
  it('falls back, naming why, without starting tfjs’s backend (which would log a failed start and its stack)', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const info = await selectBackend('webgpu', [], { adapter: 'no-such-adapter-anywhere' });
      expect(info.name).not.toBe('webgpu');
      // Why: no adapter of that name here (or, on a machine without Vulkan or EGL, none at all).
      expect(info.reason).toMatch(/webgpu unavailable: (.*no-such-adapter-anywhere|.*no WebGPU adapter)/);
      expect(warned.mock.calls.flat().join('\n')).not.toMatch(/Initialization of backend webgpu failed/);
    } finally {
      warned.mockRestore();
    }
  });
});

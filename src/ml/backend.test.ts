import { describe, expect, it } from 'vitest';
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

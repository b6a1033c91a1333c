import { describe, expect, it, vi } from 'vitest';

// Dawn stood in for: its native backend answers with a hardware adapter, OpenGL and OpenGL ES with llvmpipe.
const opened: string[][] = [];
const asked: unknown[] = [];
vi.mock('webgpu', () => ({
  globals: {},
  create: (flags: string[]) => {
    opened.push(flags);
    const native = flags.length === 0;
    const info = native
      ? { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100', description: 'Vulkan driver' }
      : { vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15, 256 bits)', description: 'OpenGL' };
    return {
      requestAdapter: async (options: unknown) => {
        asked.push(options);
        return { info };
      },
    };
  },
}));

describe("Dawn's backends probed for an adapter", () => {
  it('stops at a hardware adapter the rule takes: OpenGL is not opened on a machine with a GPU', async () => {
    const { findAdapters } = await import('./webgpu');
    const found = await findAdapters({ allowSoftware: false });
    expect(found.map((a) => a.device)).toEqual(['NVIDIA H100']);
    expect(opened).toEqual([[]]);
    // Where Vulkan offers a GPU and lavapipe, Dawn answers with the GPU.
    expect(asked).toEqual([{ powerPreference: 'high-performance' }]);
  });

  it('goes on when the rule names another adapter', async () => {
    const { findAdapters } = await import('./webgpu');
    opened.length = 0;
    const found = await findAdapters({ allowSoftware: true, name: 'llvmpipe' });
    expect(found.map((a) => a.device)).toEqual(['NVIDIA H100', 'llvmpipe (LLVM 15, 256 bits)']);
    expect(opened).toEqual([[], ['backend=opengl']]);
  });
});

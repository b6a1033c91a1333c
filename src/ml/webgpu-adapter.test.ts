import { describe, expect, it } from 'vitest';
import { selectBackend } from './backend';

// A file of its own: a process starts webgpu once, under one adapter rule (here: no software adapter allowed).
describe('webgpu on this machine, no software adapter allowed', () => {
  it('takes a hardware adapter or falls back, naming the software adapter it would not take', async () => {
    delete process.env['LATENT_STUDIO_ALLOW_SOFTWARE_GPU'];
    const info = await selectBackend('webgpu', []);
    if (info.name === 'webgpu') expect(info.adapter?.software).toBe(false);
    else {
      expect(info.name).toBe('wasm');
      expect(info.reason).toMatch(
        /\(requested webgpu, fell back\); webgpu unavailable: (only a software adapter was found \(.*\(software\)|Dawn found no WebGPU adapter)/,
      );
    }
  });
});

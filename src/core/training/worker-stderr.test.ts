import { describe, expect, it } from 'vitest';
import { WorkerStderrFilter } from './worker-stderr';

/** What a webgpu worker printed on this machine (Dawn 0.6 through the webgpu package, Mesa 22.3), around its own lines. */
const probe = [
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:257)',
  '',
  'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 to fit dynamic offset allocation limit.',
  'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 80 to 16 to fit dynamic offset allocation limit.',
];
const own = [
  'run 3: epoch 1 of 2',
  'Warning: a warning of the run itself',
  'Error: out of memory',
  '    at step (trainer.ts:10:5)',
  '',
];

/** The filter's output when the text arrives in pieces of `size` characters. */
function filtered(text: string, size: number): string {
  const f = new WorkerStderrFilter();
  let out = '';
  for (let i = 0; i < text.length; i += size) out += f.push(text.slice(i, i + size));
  return out + f.end();
}

describe("a worker's stderr, forwarded", () => {
  it("drops Dawn's and Mesa's adapter-probe lines, keeps the worker's own, whatever the chunking", () => {
    const text = [...probe, ...own].join('\n') + 'no newline at the end';
    for (const size of [1, 7, 64, text.length]) {
      expect(filtered(text, size)).toBe(`${own.join('\n')}no newline at the end`);
    }
  });

  it('keeps a warning that opens no adapter block, and one held at the very end', () => {
    expect(filtered('Warning: first\nWarning: second\nplain\nWarning: last', 5)).toBe(
      'Warning: first\nWarning: second\nplain\nWarning: last\n',
    );
    // A trace that does not follow a passed-over adapter is the worker's own.
    expect(filtered('Error: x\n    at f (a.ts:1:1)\n\n', 3)).toBe('Error: x\n    at f (a.ts:1:1)\n\n');
  });
});

import { describe, expect, it } from 'vitest';
import { dispatchFor } from './webgpu-adam';

const device = (limit: number) => ({ limits: { maxComputeWorkgroupsPerDimension: limit } }) as Pick<GPUDevice, 'limits'>;

describe("the fused Adam update's dispatch on webgpu", () => {
  it('covers every element with workgroups of 128, in a row while the limit allows', () => {
    expect(dispatchFor(device(65535), 1)).toEqual([1, 1, 1]);
    expect(dispatchFor(device(65535), 128)).toEqual([1, 1, 1]);
    expect(dispatchFor(device(65535), 129)).toEqual([2, 1, 1]);
    expect(dispatchFor(device(65535), 3136 * 40)).toEqual([980, 1, 1]);
  });

  it('folds into a square past the per-dimension limit, then a cube, still covering every element', () => {
    const [x, y, z] = dispatchFor(device(100), 128 * 101);
    expect([x, y, z]).toEqual([11, 11, 1]);
    expect(x * y * z * 128).toBeGreaterThanOrEqual(128 * 101);
    // Past the square, a cube; past the cube, refused.
    expect(dispatchFor(device(100), 128 * 100 * 100 + 1)).toEqual([22, 22, 22]);
    expect(() => dispatchFor(device(100), 128 * 100 ** 3 + 1)).toThrow(/past the device's dispatch limit/);
  });
});

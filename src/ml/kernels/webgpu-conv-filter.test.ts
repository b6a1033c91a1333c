import { describe, expect, it } from 'vitest';
import { reductionFits } from './webgpu-conv-filter';

describe("the webgpu filter gradient's reduction", () => {
  it('takes filters whose thread numbers fit an i32, and leaves larger ones to tfjs', () => {
    // The conv VAE's largest filter, and a 3×3×512×512 one, at batch 128 on 14×14 outputs (256 threads a weight).
    expect(reductionFits(3 * 3 * 32 * 64, 128 * 14 * 14)).toBe(true);
    expect(reductionFits(3 * 3 * 512 * 512, 128 * 14 * 14)).toBe(true);
    // 3×3×1024×1024 is 9.4 million weights: 2.4·10⁹ threads at 256 a weight, 6·10⁸ at 64 (few positions).
    expect(reductionFits(3 * 3 * 1024 * 1024, 128 * 14 * 14)).toBe(false);
    expect(reductionFits(3 * 3 * 1024 * 1024, 2 * 7 * 7)).toBe(true);
    // The edge: 2³¹ / 256 weights is one too many.
    expect(reductionFits(2 ** 23 - 1, 4096)).toBe(true);
    expect(reductionFits(2 ** 23, 4096)).toBe(false);
  });
});

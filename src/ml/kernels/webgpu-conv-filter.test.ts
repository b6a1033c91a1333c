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
    // The edge, counting the workgroups a padded launch numbers: 2896² weights launch 2896² workgroups of 256 threads,
    // under 2³¹; one more launches 2897², over it (though 2897² − 2895 weights alone would fit).
    expect(reductionFits(2896 ** 2, 4096)).toBe(true);
    expect(reductionFits(2896 ** 2 + 1, 4096)).toBe(false);
    expect((2896 ** 2 + 1) * 256).toBeLessThan(2 ** 31);
    // Up to 65,535 workgroups a launch is not padded.
    expect(reductionFits(65_535, 4096)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { principalComponents, varianceShares } from './pca';

describe('the DEC scatter’s principal components', () => {
  it('gives each axis its share of the variance: all of it for points on a line, the larger first', () => {
    // Points along (1, 2, 2) / 3: one component holds everything.
    const line = Array.from({ length: 50 }, (_, i) => [i, 2 * i, 2 * i]).flat();
    const onLine = principalComponents(line, 50, 3, 2);
    const [first, second] = varianceShares(line, 50, 3, onLine, 2);
    expect(first).toBeCloseTo(1, 6);
    expect(second).toBeCloseTo(0, 6);
    // An ellipse with variances 9 and 1 in a 3-D code whose third coordinate is constant: 90 % and 10 %.
    const ellipse = Array.from({ length: 360 }, (_, k) => {
      const t = (2 * Math.PI * k) / 360;
      return [3 * Math.SQRT2 * Math.cos(t), Math.SQRT2 * Math.sin(t), 5];
    }).flat();
    const shares = varianceShares(ellipse, 360, 3, principalComponents(ellipse, 360, 3, 2), 2);
    expect(shares[0]).toBeCloseTo(0.9, 6);
    expect(shares[1]).toBeCloseTo(0.1, 6);
  });
});

import { describe, expect, it } from 'vitest';

import { minimiseLbfgs } from './lbfgs';

describe('minimiseLbfgs', () => {
  it('finds the minimum of an ill-conditioned quadratic', () => {
    const scales = [1, 10, 100, 1000];
    const result = minimiseLbfgs(
      (x, g) => {
        let f = 0;
        scales.forEach((s, i) => {
          f += 0.5 * s * (x[i]! - i) ** 2;
          g[i] = s * (x[i]! - i);
        });
        return f;
      },
      new Float64Array(4),
      { maxIterations: 200, gradientTolerance: 1e-9 },
    );
    expect(result.converged).toBe(true);
    Array.from(result.x).forEach((v, i) => expect(v).toBeCloseTo(i, 6));
  });

  it('walks down the Rosenbrock valley to (1, 1)', () => {
    const result = minimiseLbfgs(
      (x, g) => {
        const [a, b] = [x[0]!, x[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.of(-1.2, 1),
      { maxIterations: 500, gradientTolerance: 1e-8 },
    );
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });
});

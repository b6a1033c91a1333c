import { describe, expect, it } from 'vitest';

import { fitLinearSvc, predictLinearSvc } from './linear-svc';

describe('fitLinearSvc (one feature)', () => {
  it('separates two classes on a line and puts the boundary between them', () => {
    const x = [-3, -2, -1, 1, 2, 3];
    const labels = [4, 4, 4, 9, 9, 9];
    const model = fitLinearSvc(x, labels, { c: 10 });
    expect(Array.from(predictLinearSvc(model, x))).toEqual(labels);
    const [unit] = model.units;
    expect(-unit!.b / unit!.w).toBeCloseTo(0, 6);
  });

  it('solves the squared-hinge optimum: the gradient vanishes', () => {
    const x = [0.2, 0.5, 0.9, 1.4, 1.1, 2.5, 3.1];
    const labels = [0, 0, 1, 0, 1, 1, 1];
    const c = 0.7;
    const { units } = fitLinearSvc(x, labels, { c });
    const { w, b } = units[0]!;
    let gw = w;
    let gb = b;
    x.forEach((xi, i) => {
      const y = labels[i] === 1 ? 1 : -1;
      const margin = 1 - y * (w * xi + b);
      if (margin > 0) {
        gw -= 2 * c * y * margin * xi;
        gb -= 2 * c * y * margin;
      }
    });
    expect(Math.abs(gw)).toBeLessThan(1e-8);
    expect(Math.abs(gb)).toBeLessThan(1e-8);
  });

  it('uses one-vs-rest units for three classes', () => {
    const x = [0, 0.1, 0.2, 5, 5.1, 5.2, 10, 10.1, 10.2];
    const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
    const model = fitLinearSvc(x, labels, { c: 100, balanced: true });
    expect(model.units).toHaveLength(3);
    // The middle class cannot be separated by one threshold on a line: one-vs-rest predicts the two ends right.
    const predicted = Array.from(predictLinearSvc(model, x));
    expect(predicted.slice(0, 3)).toEqual([0, 0, 0]);
    expect(predicted.slice(6)).toEqual([2, 2, 2]);
  });
});

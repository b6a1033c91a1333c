/**
 * Known functions to check a search method on, shared by the TPE tests and `fixtures/make_optuna_fixture.py` (which defines
 * them the same way): Branin (minimum 0.397887) and a 4-D quadratic with a log-scaled and an integer parameter
 * (minimum 0).
 */
import type { SweepParameter } from '../../shared/sweep';

export interface KnownFunction {
  parameters: Record<string, SweepParameter>;
  f: (p: Record<string, number>) => number;
  minimum: number;
}

const branin = (x1: number, x2: number) => {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
};

export const knownFunctions: Record<'branin' | 'quadratic', KnownFunction> = {
  branin: {
    parameters: {
      x1: { min: -5, max: 10, distribution: 'uniform' },
      x2: { min: 0, max: 15, distribution: 'uniform' },
    },
    f: (p) => branin(p.x1 as number, p.x2 as number),
    minimum: 0.397887,
  },
  quadratic: {
    parameters: {
      x: { min: -1, max: 1, distribution: 'uniform' },
      y: { min: -1, max: 1, distribution: 'uniform' },
      k: { min: 1, max: 10, distribution: 'int_uniform' },
      lr: { min: 1e-5, max: 1, distribution: 'log_uniform_values' },
    },
    f: (p) =>
      ((p.x as number) - 0.5) ** 2 +
      ((p.y as number) + 0.25) ** 2 +
      (((p.k as number) - 7) / 9) ** 2 +
      ((Math.log10(p.lr as number) + 3) / 5) ** 2,
    minimum: 0,
  },
};

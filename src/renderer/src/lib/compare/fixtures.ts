import type { CompareRow } from '../compare';

/** A β sweep {10, 2, 0.5} × seeds {1, 2, 3}, ids 1–9 in that order (β varies slowest). */
export const sweep: CompareRow[] = [10, 2, 0.5].flatMap((beta, b) =>
  [1, 2, 3].map((seed, s) => ({
    id: 3 * b + s + 1,
    name: `beta=${beta} seed=${seed}`,
    config: { name: `beta=${beta} seed=${seed}`, 'model.beta': beta, 'training.seed': seed, 'training.epochs': 5 },
  })),
);
export const sweepFields = ['model.beta', 'training.seed', 'name'];

/**
 * Seeded randomness for the metrics. The state of mulberry32 is one 32-bit number, so a metric's
 * randomness is fixed by its `seed` option and can be recorded with the evaluation.
 */

import { createRng } from '../shared/random';

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** The studio's one seeded generator (shared/random.ts), seeded. */
export const mulberry32 = (seed: number): Rng => createRng(seed);

/** A uniform integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** A fresh 32-bit seed drawn from `rng`, for a sub-stream (one restart, one draw). */
export function childSeed(rng: Rng): number {
  return Math.floor(rng() * 4294967296) >>> 0;
}

/** Fisher–Yates shuffle, in place. */
export function shuffleInPlace<T>(rng: Rng, items: T[] | Int32Array | Uint32Array): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const held = items[i]!;
    items[i] = items[j]!;
    items[j] = held;
  }
}

/** A standard normal draw (Box–Muller). */
export function standardNormal(rng: Rng): number {
  let u = rng();
  while (u <= Number.MIN_VALUE) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A seeded stream of numbers in [0, 1) whose whole state is one integer, saved in checkpoints and set on resume. */
export interface Rng {
  (): number;
  state: number;
}

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): the studio's one seeded generator, for the trainer's shuffling
 * (tfjs has no global seed), the metrics' sampling, a random sweep's draws and the renderer's seeded samples. It is
 * counter-based (the state is the seed plus a constant per draw), so its state is a number to save.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const rng = (() => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as Rng;
  Object.defineProperty(rng, 'state', {
    get: () => a,
    set: (value: number) => (a = value >>> 0),
  });
  return rng;
}

/** Fisher-Yates shuffle of 0..n-1 driven by `rng`. */
export function shuffledIndices(n: number, rng: () => number): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  return idx;
}

/** Derives independent integer seeds (per layer, per purpose) from the run's seed. */
export function deriveSeed(seed: number, stream: number): number {
  const r = createRng((seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0);
  return Math.floor(r() * 2 ** 31);
}

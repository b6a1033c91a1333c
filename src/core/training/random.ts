/** mulberry32: a small, fast, seedable PRNG; tfjs has no global seed, so shuffling uses this. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

import { type FactorSource } from './factor-source';
import { mulberry32, randomInt, standardNormal } from './random';

/**
 * Test data for the disentanglement metrics: factors drawn uniformly from grids of the given sizes, and codes
 * that copy them (the perfect representation), shuffle them or ignore them.
 */
export function gridFactors(n: number, sizes: number[], seed: number): { values: Float64Array; dim: number } {
  const rng = mulberry32(seed);
  const values = new Float64Array(n * sizes.length);
  for (let i = 0; i < n; i++) sizes.forEach((size, j) => (values[i * sizes.length + j] = randomInt(rng, size)));
  return { values, dim: sizes.length };
}

/** Independent standard normal codes, [n, dim]. */
export function noiseCodes(n: number, dim: number, seed: number): { values: Float32Array; dim: number } {
  const rng = mulberry32(seed);
  return { values: Float32Array.from({ length: n * dim }, () => standardNormal(rng)), dim };
}

/** Codes with the columns of `a` then those of `b`. */
export function concatColumns(a: { values: ArrayLike<number>; dim: number }, b: { values: ArrayLike<number>; dim: number }) {
  const n = a.values.length / a.dim;
  const dim = a.dim + b.dim;
  const values = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < a.dim; j++) values[i * dim + j] = a.values[i * a.dim + j]!;
    for (let j = 0; j < b.dim; j++) values[i * dim + a.dim + j] = b.values[i * b.dim + j]!;
  }
  return { values, dim };
}

/** A data set of `sizes.length` factors drawn uniformly from grids, whose "images" are the factors themselves. */
export function gridSource(sizes: number[], encode: FactorSource['encodeFactors']): FactorSource {
  return {
    numFactors: sizes.length,
    sampleFactors: (n: number, rng: () => number) =>
      Array.from({ length: n }, () => sizes.map((size) => Math.floor(rng() * size))),
    encodeFactors: encode,
  };
}

/** Whether `value` lies within [min − margin, max + margin] of reference runs whose figures vary (sklearn's random tie-breaking in trees). */
export function withinSpread(value: number, runs: number[], margin: number): boolean {
  return value >= Math.min(...runs) - margin && value <= Math.max(...runs) + margin;
}

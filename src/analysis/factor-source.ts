import { type Rng } from './random';

/**
 * What the β-VAE and FactorVAE scores need from a data set with known factors: draw factor vectors, and the
 * codes of images rendered from given factors (the Shapes and Faces generators can render any combination).
 * The metric stays pure: the caller owns rendering and the model; the metric owns the sampling and the maths.
 */
export interface FactorSource {
  numFactors: number;
  /** n factor vectors drawn from the data's factor distribution, using only `rng` for randomness. */
  sampleFactors(n: number, rng: Rng): number[][];
  /** The codes (posterior means for VAEs) of images with these factors, row-major [factors.length, latentDim]. */
  encodeFactors(factors: number[][]): ArrayLike<number> | Promise<ArrayLike<number>>;
}

/** Encodes in calls of at most `rowsPerCall` rows, so the caller can render and encode in big batches. */
export async function encodeInChunks(
  source: FactorSource,
  factors: number[][],
  rowsPerCall: number,
): Promise<{ values: Float64Array; dim: number }> {
  const parts: ArrayLike<number>[] = [];
  for (let start = 0; start < factors.length; start += rowsPerCall) {
    const chunk = factors.slice(start, start + rowsPerCall);
    const codes = await source.encodeFactors(chunk);
    if (codes.length % chunk.length !== 0 || codes.length === 0) {
      throw new RangeError(`encodeFactors returned ${codes.length} values for ${chunk.length} rows`);
    }
    parts.push(codes);
  }
  const dim = parts[0] ? parts[0].length / Math.min(rowsPerCall, factors.length) : 0;
  const values = new Float64Array(factors.length * dim);
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) values[offset + i] = part[i]!;
    offset += part.length;
  }
  if (offset !== values.length) throw new RangeError('encodeFactors returned codes of varying width');
  return { values, dim };
}

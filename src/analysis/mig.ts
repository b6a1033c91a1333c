import { histogramDiscretize } from './discretise';
import { mutualInfoFromContingency, mutualInfoScore, uniqueInverse } from './information';
import { column, type Matrix, rowCount } from './matrix';
import { mulberry32, shuffleInPlace, type Rng } from './random';

/**
 * MIG of the rows given; disentanglement_lib computes it on mig.num_train = 10,000 drawn from the ground-truth data,
 * as the evaluation does by default on a generated set (src/core/evaluation/disentanglement.ts). On fewer rows the
 * plug-in mutual information of every cell reads high (about (K − 1)(B − 1) / 2N nats for K factor values and B bins).
 */
export const migDefaults = {
  /** Equal-width histogram bins per code dimension (disentanglement_lib's discretizer.num_bins in its study configs). */
  bins: 20,
  /**
   * Shuffles of each factor for the chance level of each cell (not part of MIG itself): with 99, the 95th smallest
   * of them makes a permutation test of exactly 5 % (an independent cell exceeds it with probability 5/100).
   */
  chanceShuffles: 99,
  chanceSeed: 0,
};
export type MigOptions = typeof migDefaults;

export interface MigResult {
  /** Mean over factors of (top MI − second MI) / H(factor): disentanglement_lib's "discrete_mig". */
  mig: number;
  /** The normalised gap of each factor (NaN for a constant factor, which the mean skips). */
  gapPerFactor: number[];
  /** mutualInformation[factor][latent], nats, between each factor and each discretised code dimension: the heat map. */
  mutualInformation: number[][];
  /** H(factor) in nats. */
  factorEntropies: number[];
  /**
   * chanceInformation[factor][latent], nats: the 95th percentile of the same estimate with the factor's values
   * shuffled (the ⌈0.95 (S + 1)⌉-th smallest of S shuffles), i.e. for a code that carries none of it. The plug-in
   * estimate is biased upwards by about (K − 1)(B − 1) / 2N for K factor values and B occupied bins over N images
   * (Miller 1955; Paninski 2003, "Estimation of entropy and mutual information"): 0.37 nats for 40 values, 20 bins
   * and 1,000 images. A cell at or below its chance level cannot be told from none by a permutation test at 5 %
   * (per cell: of 50 cells of independent codes, about 2.5 pass it).
   */
  chanceInformation: number[][];
}

/**
 * The chance level of each code dimension's MI with `y`: the ⌈0.95 (S + 1)⌉-th smallest of its MI with S shuffles
 * of `y` (`codes`: each dimension's bins as uniqueInverse gives them).
 */
function chanceLevels(
  codes: readonly { values: number[]; inverse: Int32Array }[],
  y: ArrayLike<number>,
  shuffles: number,
  rng: Rng,
): number[] {
  const factor = uniqueInverse(y);
  const rows = factor.values.length;
  const samples = codes.map(() => [] as number[]);
  const shuffled = Int32Array.from(factor.inverse);
  for (let s = 0; s < shuffles; s++) {
    shuffleInPlace(rng, shuffled);
    codes.forEach((code, j) => {
      const cols = code.values.length;
      const counts = new Float64Array(rows * cols);
      const rowSums = new Float64Array(rows);
      const colSums = new Float64Array(cols);
      for (let i = 0; i < shuffled.length; i++) {
        const r = shuffled[i]!;
        const c = code.inverse[i]!;
        counts[r * cols + c]! += 1;
        rowSums[r]! += 1;
        colSums[c]! += 1;
      }
      const table = { rowValues: factor.values, colValues: code.values, counts, rowSums, colSums, total: shuffled.length };
      samples[j]!.push(mutualInfoFromContingency(table));
    });
  }
  return samples.map((values) => {
    if (values.length === 0) return 0;
    const sorted = values.sort((a, b) => a - b);
    return sorted[Math.min(sorted.length, Math.ceil(0.95 * (sorted.length + 1))) - 1]!;
  });
}

// Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs"), as disentanglement_lib evaluation/metrics/mig.py _compute_mig.
// Differs only where a factor is constant: the reference divides by H = 0 and returns NaN; here that factor is left out of the mean.
export function computeMig(codes: Matrix, factors: Matrix, options: Partial<MigOptions> = {}): MigResult {
  const settings = { ...migDefaults, ...options };
  const n = rowCount(codes);
  if (rowCount(factors) !== n) throw new RangeError(`${n} codes but ${rowCount(factors)} factor rows`);
  const discretised = Array.from({ length: codes.dim }, (_, j) => histogramDiscretize(column(codes, j), settings.bins));
  const factorColumns = Array.from({ length: factors.dim }, (_, f) => column(factors, f));
  const mutualInformation = factorColumns.map((y) => discretised.map((code) => mutualInfoScore(y, code)));
  const factorEntropies = factorColumns.map((y) => mutualInfoScore(y, y));
  const gapPerFactor = mutualInformation.map((row, f) => {
    const sorted = [...row].sort((a, b) => b - a);
    const entropy = factorEntropies[f]!;
    return entropy > 0 ? (sorted[0]! - (sorted[1] ?? 0)) / entropy : Number.NaN;
  });
  const counted = gapPerFactor.filter((g) => !Number.isNaN(g));
  const mig = counted.length === 0 ? Number.NaN : counted.reduce((a, b) => a + b, 0) / counted.length;
  const rng = mulberry32(settings.chanceSeed);
  const codeBins = discretised.map((code) => uniqueInverse(code));
  const chanceInformation = factorColumns.map((y) => chanceLevels(codeBins, y, settings.chanceShuffles, rng));
  return { mig, gapPerFactor, mutualInformation, factorEntropies, chanceInformation };
}

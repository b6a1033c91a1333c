import { histogramDiscretize } from './discretise';
import { mutualInfoScore } from './information';
import { column, type Matrix, rowCount } from './matrix';

export const migDefaults = {
  /** Equal-width histogram bins per code dimension (disentanglement_lib's discretizer.num_bins in its study configs). */
  bins: 20,
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
  return { mig, gapPerFactor, mutualInformation, factorEntropies };
}

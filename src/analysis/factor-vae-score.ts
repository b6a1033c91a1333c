import { encodeInChunks, type FactorSource } from './factor-source';
import { mulberry32, randomInt, type Rng } from './random';

/** disentanglement_lib's factor_vae_score defaults in its study configs (unsupervised_study_v1/metric_configs/factor_vae_metric.gin). */
export const factorVaeScoreDefaults = {
  batchSize: 64,
  trainPoints: 10000,
  evalPoints: 5000,
  /** Images whose codes give each dimension's global variance. */
  varianceEstimatePoints: 10000,
  /** Dimensions whose global standard deviation is below this are collapsed and left out (prune_dims.threshold). */
  pruneThreshold: 0.05,
  /** Most images per encodeFactors call. */
  rowsPerCall: 8192,
  seed: 0,
};
export type FactorVaeScoreOptions = typeof factorVaeScoreDefaults;

export interface FactorVaeScoreResult {
  trainAccuracy: number;
  evalAccuracy: number;
  /** Dimensions kept after pruning. */
  activeDims: number;
  /** votes[factor][dimension]: training points whose least-varying (normalised) dimension it was. */
  votes: number[][];
}

function variances(values: Float64Array, rows: number, dim: number, start = 0): Float64Array {
  const mean = new Float64Array(dim);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j]! += values[(start + r) * dim + j]! / rows;
  const out = new Float64Array(dim);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < dim; j++) out[j]! += (values[(start + r) * dim + j]! - mean[j]!) ** 2 / (rows - 1);
  return out;
}

/** votes[factor][dim] from batches with one factor fixed (factor_vae.py _generate_training_batch). */
async function vote(
  source: FactorSource,
  count: number,
  settings: FactorVaeScoreOptions,
  rng: Rng,
  globalVariances: Float64Array,
  active: number[],
) {
  const b = settings.batchSize;
  const dim = globalVariances.length;
  const votes = Array.from({ length: source.numFactors }, () => new Array<number>(dim).fill(0));
  const perCall = Math.max(1, Math.floor(settings.rowsPerCall / b));
  for (let start = 0; start < count; start += perCall) {
    const points = Math.min(perCall, count - start);
    const rows: number[][] = [];
    const fixed: number[] = [];
    for (let p = 0; p < points; p++) {
      const index = randomInt(rng, source.numFactors);
      const batch = source.sampleFactors(b, rng);
      batch.forEach((row) => (row[index] = batch[0]![index]!));
      fixed.push(index);
      rows.push(...batch);
    }
    const codes = await encodeInChunks(source, rows, settings.rowsPerCall);
    for (let p = 0; p < points; p++) {
      const local = variances(codes.values, b, dim, p * b);
      let best = 0;
      active.forEach((j, position) => {
        if (local[j]! / globalVariances[j]! < local[active[best]!]! / globalVariances[active[best]!]!) best = position;
      });
      votes[fixed[p]!]![active[best]!]!++;
    }
  }
  return votes;
}

// FactorVAE disentanglement score (Kim & Mnih 2018, §4): with one factor fixed, the code dimension of least normalised variance votes; a majority-vote classifier maps dimensions to factors.
// As disentanglement_lib evaluation/metrics/factor_vae.py, except that votes are indexed by the real dimension (the reference indexes by position among active dimensions: same score) and activeDims counts the kept dimensions (the reference reports all of them).
export async function computeFactorVaeScore(
  source: FactorSource,
  options: Partial<FactorVaeScoreOptions> = {},
): Promise<FactorVaeScoreResult> {
  const settings = { ...factorVaeScoreDefaults, ...options };
  const rng = mulberry32(settings.seed);
  const sample = await encodeInChunks(source, source.sampleFactors(settings.varianceEstimatePoints, rng), settings.rowsPerCall);
  const globalVariances = variances(sample.values, settings.varianceEstimatePoints, sample.dim);
  const active = Array.from(globalVariances.keys()).filter((j) => Math.sqrt(globalVariances[j]!) >= settings.pruneThreshold);
  if (active.length === 0) return { trainAccuracy: 0, evalAccuracy: 0, activeDims: 0, votes: [] };
  const trainVotes = await vote(source, settings.trainPoints, settings, rng, globalVariances, active);
  // Majority vote: each dimension predicts the factor it was most often the argmin for (np.argmax, first on ties).
  const classifier = Array.from({ length: sample.dim }, (_, j) => {
    let best = 0;
    trainVotes.forEach((row, f) => {
      if (row[j]! > trainVotes[best]![j]!) best = f;
    });
    return best;
  });
  const score = (votes: number[][]) => {
    const total = votes.flat().reduce((a, b) => a + b, 0);
    const right = classifier.reduce((s, f, j) => s + votes[f]![j]!, 0);
    return total === 0 ? 0 : right / total;
  };
  const evalVotes = await vote(source, settings.evalPoints, settings, rng, globalVariances, active);
  return { trainAccuracy: score(trainVotes), evalAccuracy: score(evalVotes), activeDims: active.length, votes: trainVotes };
}

import { encodeInChunks, type FactorSource } from './factor-source';
import { mulberry32, randomInt, type Rng } from './random';
import { accuracy, fitSoftmaxRegression, predictSoftmaxRegression } from './softmax-regression';

/** disentanglement_lib's beta_vae_sklearn defaults in its study configs (unsupervised_study_v1/metric_configs/beta_vae_sklearn.gin). */
export const betaVaeScoreDefaults = {
  /** Pairs of images behind one training point. */
  batchSize: 64,
  trainPoints: 10000,
  evalPoints: 5000,
  /** Most images per encodeFactors call. */
  rowsPerCall: 8192,
  seed: 0,
};
export type BetaVaeScoreOptions = typeof betaVaeScoreDefaults;

export interface BetaVaeScoreResult {
  trainAccuracy: number;
  evalAccuracy: number;
}

/** Points whose feature is mean |z1 − z2| over a batch of pairs sharing one factor, and that factor as label (beta_vae.py _generate_training_batch). */
async function generatePoints(source: FactorSource, count: number, settings: BetaVaeScoreOptions, rng: Rng) {
  const b = settings.batchSize;
  const perCall = Math.max(1, Math.floor(settings.rowsPerCall / (2 * b)));
  const labels = new Int32Array(count);
  let features = new Float64Array(0);
  let dim = 0;
  for (let start = 0; start < count; start += perCall) {
    const points = Math.min(perCall, count - start);
    const rows: number[][] = [];
    for (let p = 0; p < points; p++) {
      const index = randomInt(rng, source.numFactors);
      const first = source.sampleFactors(b, rng);
      const second = source.sampleFactors(b, rng);
      second.forEach((row, r) => (row[index] = first[r]![index]!));
      labels[start + p] = index;
      rows.push(...first, ...second);
    }
    const codes = await encodeInChunks(source, rows, settings.rowsPerCall);
    if (dim === 0) {
      dim = codes.dim;
      features = new Float64Array(count * dim);
    }
    for (let p = 0; p < points; p++) {
      const base = p * 2 * b;
      for (let r = 0; r < b; r++) {
        for (let j = 0; j < dim; j++) {
          const diff = Math.abs(codes.values[(base + r) * dim + j]! - codes.values[(base + b + r) * dim + j]!);
          features[(start + p) * dim + j]! += diff / b;
        }
      }
    }
  }
  return { codes: { values: features, dim }, labels };
}

// β-VAE disentanglement score (Higgins et al. 2017, §3): a linear classifier names the fixed factor from mean |z1 − z2|; as disentanglement_lib evaluation/metrics/beta_vae.py.
// The classifier is the default LogisticRegression objective of sklearn ≥ 0.22 (lbfgs: C = 1, L2, multinomial, intercept
// not penalised) solved by our L-BFGS (softmax-regression.ts); the published study ran sklearn ≤ 0.21's liblinear
// one-vs-rest default, which can differ by a point or two of accuracy.
export async function computeBetaVaeScore(
  source: FactorSource,
  options: Partial<BetaVaeScoreOptions> = {},
): Promise<BetaVaeScoreResult> {
  const settings = { ...betaVaeScoreDefaults, ...options };
  const rng = mulberry32(settings.seed);
  const train = await generatePoints(source, settings.trainPoints, settings, rng);
  const model = fitSoftmaxRegression(train.codes, train.labels, { inverseRegularisation: 1, maxIterations: 100 });
  const trainAccuracy = accuracy(predictSoftmaxRegression(model, train.codes), train.labels);
  const evaluation = await generatePoints(source, settings.evalPoints, settings, rng);
  const evalAccuracy = accuracy(predictSoftmaxRegression(model, evaluation.codes), evaluation.labels);
  return { trainAccuracy, evalAccuracy };
}

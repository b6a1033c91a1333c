import { fitGradientBoosting, gradientBoostingDefaults, predictGradientBoosting } from './gradient-boosting';
import { column, type Matrix, rowCount, sliceRows, splitTrainTest } from './matrix';

export const dciDefaults = {
  /**
   * First part of the rows trains, the rest tests (utils.split_train_test), in disentanglement_lib's ratio, dci.num_train
   * 10000 : num_test 5000. The evaluation draws its rows as the reference does, 15,000 by default, on a generated set
   * (src/core/evaluation/disentanglement.ts); without a generator they are the test split's, as many as it has.
   */
  trainFraction: 2 / 3,
  /** GradientBoostingClassifier() defaults, one per factor. */
  stages: gradientBoostingDefaults.stages,
  learningRate: gradientBoostingDefaults.learningRate,
  maxDepth: gradientBoostingDefaults.maxDepth,
  seed: 0,
};
export type DciOptions = typeof dciDefaults;

export interface DciResult {
  disentanglement: number;
  completeness: number;
  /** Mean over factors of the predictor's training accuracy (disentanglement_lib's "informativeness_train"). */
  informativenessTrain: number;
  /** Mean over factors of the predictor's test accuracy (disentanglement_lib's "informativeness_test"). */
  informativenessTest: number;
  /** importance[latent][factor]: |feature importance| of latent dimension i in the predictor of factor j. */
  importance: number[][];
  disentanglementPerCode: number[];
  completenessPerFactor: number[];
}

/** scipy.stats.entropy(p + 1e-11, base): normalises p then −Σ p log p / log base. */
function entropy(weights: number[], base: number): number {
  const shifted = weights.map((w) => w + 1e-11);
  const total = shifted.reduce((a, b) => a + b, 0);
  let h = 0;
  for (const w of shifted) {
    const p = w / total;
    if (p > 0) h -= p * Math.log(p);
  }
  return h / Math.log(base);
}

// dci.py disentanglement: Σ_i ρ_i (1 − H_K(P_i·)), ρ_i the share of code i in all importance (uniform if all is zero).
export function dciDisentanglement(importance: number[][]): { score: number; perCode: number[] } {
  const factors = importance[0]?.length ?? 0;
  const perCode = importance.map((row) => 1 - entropy(row, factors));
  const total = importance.flat().reduce((a, b) => a + b, 0);
  const weights = importance.map(
    (row) => (total === 0 ? row.length : row.reduce((a, b) => a + b, 0)) / (total === 0 ? importance.flat().length : total),
  );
  return { score: perCode.reduce((s, v, i) => s + v * weights[i]!, 0), perCode };
}

// dci.py completeness: Σ_j ρ_j (1 − H_D(P·j)), ρ_j the share of factor j in all importance (uniform if all is zero).
export function dciCompleteness(importance: number[][]): { score: number; perFactor: number[] } {
  const codes = importance.length;
  const factors = importance[0]?.length ?? 0;
  const columns = Array.from({ length: factors }, (_, j) => importance.map((row) => row[j]!));
  const perFactor = columns.map((col) => 1 - entropy(col, codes));
  const total = importance.flat().reduce((a, b) => a + b, 0);
  const weights = columns.map(
    (col) => (total === 0 ? col.length : col.reduce((a, b) => a + b, 0)) / (total === 0 ? importance.flat().length : total),
  );
  return { score: perFactor.reduce((s, v, j) => s + v * weights[j]!, 0), perFactor };
}

// DCI disentanglement, completeness, informativeness (Eastwood & Williams 2018), as disentanglement_lib evaluation/metrics/dci.py on fixed data (compute_dci_on_fixed_data).
// The importance matrix comes from gradient-boosted trees written to follow sklearn's GradientBoostingClassifier (gradient-boosting.ts), so it matches up to tie order and rounding.
export function computeDci(codes: Matrix, factors: Matrix, options: Partial<DciOptions> = {}): DciResult {
  const settings = { ...dciDefaults, ...options };
  const n = rowCount(codes);
  if (rowCount(factors) !== n) throw new RangeError(`${n} codes but ${rowCount(factors)} factor rows`);
  const { train } = splitTrainTest(n, settings.trainFraction);
  const codesTrain = sliceRows(codes, 0, train);
  const codesTest = sliceRows(codes, train, n);
  const importance = Array.from({ length: codes.dim }, () => new Array<number>(factors.dim).fill(0));
  const trainAccuracy: number[] = [];
  const testAccuracy: number[] = [];
  for (let j = 0; j < factors.dim; j++) {
    const y = column(factors, j);
    const yTrain = y.subarray(0, train);
    const yTest = y.subarray(train);
    const model = fitGradientBoosting(codesTrain, yTrain, {
      stages: settings.stages,
      learningRate: settings.learningRate,
      maxDepth: settings.maxDepth,
      seed: settings.seed + j,
    });
    model.featureImportances.forEach((v, i) => (importance[i]![j] = Math.abs(v)));
    const hits = (predicted: Float64Array, truth: ArrayLike<number>) => {
      let h = 0;
      for (let t = 0; t < truth.length; t++) if (predicted[t] === truth[t]) h++;
      return truth.length === 0 ? 0 : h / truth.length;
    };
    trainAccuracy.push(hits(predictGradientBoosting(model, codesTrain), yTrain));
    testAccuracy.push(hits(predictGradientBoosting(model, codesTest), yTest));
  }
  const d = dciDisentanglement(importance);
  const c = dciCompleteness(importance);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    disentanglement: d.score,
    completeness: c.score,
    informativenessTrain: mean(trainAccuracy),
    informativenessTest: mean(testAccuracy),
    importance,
    disentanglementPerCode: d.perCode,
    completenessPerFactor: c.perFactor,
  };
}

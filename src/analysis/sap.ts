import { fitLinearSvc, predictLinearSvc } from './linear-svc';
import { column, type Matrix, rowCount, splitTrainTest } from './matrix';

export const sapDefaults = {
  /** disentanglement_lib's sap_score.continuous_factors in its study configs. */
  continuousFactors: false,
  /**
   * First part of the rows trains, the rest tests (utils.split_train_test), in disentanglement_lib's ratio, num_train
   * 10000 : num_test 5000. The evaluation draws its rows as the reference does, 15,000 by default, on a generated set
   * (src/core/evaluation/disentanglement.ts); without a generator they are the test split's, as many as it has.
   */
  trainFraction: 2 / 3,
  /** LinearSVC(C=0.01, class_weight="balanced") as sap_score.compute_score_matrix fixes it. */
  svcC: 0.01,
};
export type SapOptions = typeof sapDefaults;

export interface SapResult {
  /** Mean over factors of the gap between the two best-predicting code dimensions: disentanglement_lib's "SAP_score". */
  sap: number;
  /** scoreMatrix[latent][factor]: test accuracy of a 1-D classifier (discrete factors) or R² (continuous factors). */
  scoreMatrix: number[][];
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

// SAP score (Kumar et al. 2018, "Variational Inference of Disentangled Latent Concepts from Unlabeled Observations", §3), as disentanglement_lib evaluation/metrics/sap_score.py.
// Continuous factors score by squared correlation on the training rows; discrete ones by a 1-D LinearSVC's test accuracy (see linear-svc.ts for how it is solved).
export function computeSap(codes: Matrix, factors: Matrix, options: Partial<SapOptions> = {}): SapResult {
  const settings = { ...sapDefaults, ...options };
  const n = rowCount(codes);
  if (rowCount(factors) !== n) throw new RangeError(`${n} codes but ${rowCount(factors)} factor rows`);
  const { train } = splitTrainTest(n, settings.trainFraction);
  const scoreMatrix = Array.from({ length: codes.dim }, (_, i) => {
    const mu = column(codes, i);
    return Array.from({ length: factors.dim }, (_, j) => {
      const y = column(factors, j);
      if (settings.continuousFactors) {
        // np.cov(mu, y, ddof=1) on the training rows; the ddof cancels in cov² / (var·var).
        const muTrain = mu.subarray(0, train);
        const yTrain = y.subarray(0, train);
        const muMean = mean(muTrain);
        const yMean = mean(yTrain);
        let cov = 0;
        let varMu = 0;
        let varY = 0;
        for (let t = 0; t < train; t++) {
          cov += (muTrain[t]! - muMean) * (yTrain[t]! - yMean);
          varMu += (muTrain[t]! - muMean) ** 2;
          varY += (yTrain[t]! - yMean) ** 2;
        }
        cov /= train - 1;
        varMu /= train - 1;
        varY /= train - 1;
        return varMu > 1e-12 ? (cov * cov) / (varMu * varY) : 0;
      }
      const model = fitLinearSvc(mu.subarray(0, train), y.subarray(0, train), { c: settings.svcC, balanced: true });
      const predicted = predictLinearSvc(model, mu.subarray(train));
      const yTest = y.subarray(train);
      let hits = 0;
      for (let t = 0; t < yTest.length; t++) if (predicted[t] === yTest[t]) hits++;
      return yTest.length === 0 ? 0 : hits / yTest.length;
    });
  });
  // compute_avg_diff_top_two: per factor, best minus second best over latents, averaged.
  const gaps = Array.from({ length: factors.dim }, (_, j) => {
    const sorted = scoreMatrix.map((row) => row[j]!).sort((a, b) => b - a);
    return sorted[0]! - (sorted[1] ?? 0);
  });
  return { sap: mean(gaps), scoreMatrix };
}

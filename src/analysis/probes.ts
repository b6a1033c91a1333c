import { uniqueInverse } from './information';
import { type Matrix, rowCount, selectRows } from './matrix';
import { childSeed, mulberry32, shuffleInPlace } from './random';
import { accuracy, fitSoftmaxRegression, predictSoftmaxRegression, softmaxRegressionDefaults } from './softmax-regression';

export const probeDefaults = {
  /** Labelled training images per class, and how many seeded draws of them to average. */
  budgets: [
    { labelsPerClass: 10, draws: 5 },
    { labelsPerClass: 100, draws: 5 },
    { labelsPerClass: 1000, draws: 2 },
  ],
  /** Inverse L2 strength of the probe (sklearn's C) on standardised features. */
  inverseRegularisation: softmaxRegressionDefaults.inverseRegularisation,
  maxIterations: 200,
  seed: 0,
};
export type ProbeOptions = typeof probeDefaults;

export interface ProbeFigure {
  labelsPerClass: number;
  /** Training points actually used per draw (less than labelsPerClass × classes where a class runs short). */
  trainSize: number;
  accuracies: number[];
  meanAccuracy: number;
  stdAccuracy: number;
}

export interface LabelledSet {
  codes: Matrix;
  labels: ArrayLike<number>;
}

/** Up to `perClass` indices of each class, drawn without replacement. */
function drawPerClass(byClass: number[][], perClass: number, seed: number): Int32Array {
  const rng = mulberry32(seed);
  const chosen: number[] = [];
  for (const members of byClass) {
    const pool = members.slice();
    shuffleInPlace(rng, pool);
    chosen.push(...pool.slice(0, perClass));
  }
  return Int32Array.from(chosen);
}

// Few-label linear probe (lecture 000, 6.3.1; self-taught learning, Raina et al. 2007): multinomial logistic regression on N labelled codes per class, test accuracy averaged over seeded draws.
export function computeProbes(
  train: LabelledSet,
  test: LabelledSet,
  options: Partial<ProbeOptions> = {},
): { probes: ProbeFigure[] } {
  const settings = { ...probeDefaults, ...options };
  if (rowCount(train.codes) !== train.labels.length) throw new RangeError('train codes and labels differ in length');
  if (rowCount(test.codes) !== test.labels.length) throw new RangeError('test codes and labels differ in length');
  const { inverse } = uniqueInverse(train.labels);
  const byClass: number[][] = [];
  inverse.forEach((c, i) => (byClass[c] ??= []).push(i));
  const rng = mulberry32(settings.seed);
  const probes = settings.budgets.map(({ labelsPerClass, draws }) => {
    const accuracies: number[] = [];
    let trainSize = 0;
    for (let draw = 0; draw < draws; draw++) {
      const indices = drawPerClass(byClass, labelsPerClass, childSeed(rng));
      trainSize = indices.length;
      const model = fitSoftmaxRegression(
        selectRows(train.codes, indices),
        Array.from(indices, (i) => train.labels[i]!),
        { inverseRegularisation: settings.inverseRegularisation, maxIterations: settings.maxIterations, standardise: true },
      );
      accuracies.push(accuracy(predictSoftmaxRegression(model, test.codes), test.labels));
    }
    const meanAccuracy = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
    const stdAccuracy = Math.sqrt(accuracies.reduce((a, b) => a + (b - meanAccuracy) ** 2, 0) / accuracies.length);
    return { labelsPerClass, trainSize, accuracies, meanAccuracy, stdAccuracy };
  });
  return { probes };
}

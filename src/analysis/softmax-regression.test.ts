import { describe, expect, it } from 'vitest';

import { reference } from './fixtures/sklearn-reference';
import { accuracy, fitSoftmaxRegression, predictSoftmaxRegression } from './softmax-regression';

const { x, labels, coef, intercept, binaryLabels, binaryCoef, binaryIntercept } = reference.logisticRegression;
const features = { values: x.flat(), dim: 4 };
const tight = { maxIterations: 1000, gradientTolerance: 1e-9 };

describe('fitSoftmaxRegression', () => {
  it('reaches the optimum of sklearn LogisticRegression() (multinomial, C = 1)', () => {
    const model = fitSoftmaxRegression(features, labels, tight);
    // Softmax logits are defined up to a shift per feature; sklearn's L2 optimum has Σ_c W[j][c] = 0, and so has ours.
    coef.forEach((row, c) => row.forEach((w, j) => expect(model.parameters[j * 3 + c]).toBeCloseTo(w, 4)));
    const biases = Array.from(model.parameters.subarray(12));
    const shift = biases.reduce((a, b) => a + b, 0) / 3 - intercept.reduce((a, b) => a + b, 0) / 3;
    biases.forEach((b, c) => expect(b - shift).toBeCloseTo(intercept[c]!, 4));
  });

  it('is sklearn binary logistic regression for two classes', () => {
    const model = fitSoftmaxRegression(features, binaryLabels, tight);
    binaryCoef[0]!.forEach((w, j) => expect(model.parameters[j * 2 + 1]! - model.parameters[j * 2]!).toBeCloseTo(w, 4));
    expect(model.parameters[9]! - model.parameters[8]!).toBeCloseTo(binaryIntercept[0]!, 4);
  });

  it('predicts the original label values and separates separable classes', () => {
    const values = [0, 0, 1, 1, 5, 5, 6, 6, 10, 10, 11, 11];
    const classes = [7, 7, 7, 7, 3, 3, 3, 3, 9, 9, 9, 9];
    const model = fitSoftmaxRegression({ values, dim: 1 }, classes, { standardise: true, inverseRegularisation: 100 });
    expect(accuracy(predictSoftmaxRegression(model, { values, dim: 1 }), classes)).toBe(1);
  });
});

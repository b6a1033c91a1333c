import { describe, expect, it } from 'vitest';

import { reference } from './fixtures/sklearn-reference';
import { fitGradientBoosting, predictGradientBoosting } from './gradient-boosting';
import { withinSpread } from './test-data';

const codes = { values: Float32Array.from(reference.representation.codes.flat()), dim: 3 };

describe('fitGradientBoosting (sklearn GradientBoostingClassifier defaults)', () => {
  // sklearn breaks equal splits by a random feature order: the fixture holds its figures under random_state 0..4.
  it('gives sklearn’s binary training accuracy and feature importances within its own spread', () => {
    const { labels, featureImportances, trainAccuracy } = reference.gradientBoostingBinary;
    const model = fitGradientBoosting(codes, labels);
    expect(model.stages).toHaveLength(100);
    expect(model.stages[0]).toHaveLength(1);
    const predicted = predictGradientBoosting(model, codes);
    expect(withinSpread(predicted.filter((p, i) => p === labels[i]).length / labels.length, trainAccuracy, 1e-12)).toBe(true);
    Array.from(model.featureImportances).forEach((v, j) =>
      expect(
        withinSpread(
          v,
          featureImportances.map((r) => r[j]!),
          2e-3,
        ),
      ).toBe(true),
    );
    expect(model.featureImportances.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('gives sklearn’s multinomial training accuracy and importances (one tree per class per stage)', () => {
    const labels = reference.representation.factors.map((row) => row[0]!);
    const { featureImportances, trainAccuracy } = reference.gradientBoostingMulticlass;
    const model = fitGradientBoosting(codes, labels);
    const predicted = predictGradientBoosting(model, codes);
    expect(withinSpread(predicted.filter((p, i) => p === labels[i]).length / labels.length, trainAccuracy, 1e-12)).toBe(true);
    Array.from(model.featureImportances).forEach((v, j) =>
      expect(
        withinSpread(
          v,
          featureImportances.map((r) => r[j]!),
          2e-3,
        ),
      ).toBe(true),
    );
  });

  it('fits one tree per class per stage for more than two classes, and is deterministic for a seed', () => {
    const labels = reference.representation.factors.map((row) => row[0]!);
    const a = fitGradientBoosting(codes, labels, { stages: 10, seed: 4 });
    const b = fitGradientBoosting(codes, labels, { stages: 10, seed: 4 });
    expect(a.stages[0]).toHaveLength(4);
    expect(Array.from(a.featureImportances)).toEqual(Array.from(b.featureImportances));
  });

  it('puts all importance on the only informative feature', () => {
    const values: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      values.push(i % 2, Math.sin(i) * 0.001 + 5);
      labels.push(i % 2 === 0 ? 3 : 8);
    }
    const model = fitGradientBoosting({ values, dim: 2 }, labels, { stages: 5 });
    expect(model.featureImportances[0]).toBeCloseTo(1, 12);
    expect(model.featureImportances[1]).toBeCloseTo(0, 12);
    expect(Array.from(predictGradientBoosting(model, { values, dim: 2 }))).toEqual(labels);
  });
});

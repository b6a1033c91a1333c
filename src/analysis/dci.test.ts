import { describe, expect, it } from 'vitest';

import { computeDci, dciCompleteness, dciDisentanglement } from './dci';
import { reference } from './fixtures/sklearn-reference';
import { mulberry32, shuffleInPlace } from './random';
import { concatColumns, gridFactors, withinSpread } from './test-data';

const diagonal = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 5 : 0)));

describe('DCI from an importance matrix (disentanglement_lib dci_test)', () => {
  it('scores a diagonal, empty codes, zero, redundant codes, missed factors and one code for two factors', () => {
    expect(dciDisentanglement(diagonal(5)).score).toBeCloseTo(1, 9);
    expect(dciCompleteness(diagonal(5)).score).toBeCloseTo(1, 9);
    const emptyCode = [
      [1, 0],
      [0, 1],
      [0, 0],
    ];
    expect(dciDisentanglement(emptyCode).score).toBeCloseTo(1, 9);
    expect(dciCompleteness(emptyCode).score).toBeCloseTo(1, 9);
    const zero = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    expect(dciDisentanglement(zero).score).toBeCloseTo(0, 9);
    expect(dciCompleteness(zero).score).toBeCloseTo(0, 7);
    const redundant = [...diagonal(5), ...diagonal(5)];
    expect(dciDisentanglement(redundant).score).toBeCloseTo(1, 9);
    expect(dciCompleteness(redundant).score).toBeCloseTo(1 - Math.log(2) / Math.log(10), 9);
    const missed = diagonal(5).slice(0, 2);
    expect(dciDisentanglement(missed).score).toBeCloseTo(1, 9);
    expect(dciCompleteness(missed).score).toBeCloseTo(1, 9);
    const shared = diagonal(5).map((row) => [...row, ...row]);
    expect(dciDisentanglement(shared).score).toBeCloseTo(1 - Math.log(2) / Math.log(10), 9);
    expect(dciCompleteness(shared).score).toBeCloseTo(1, 9);
  });
});

describe('computeDci', () => {
  it('agrees with disentanglement_lib + sklearn GradientBoostingClassifier within sklearn’s own run-to-run spread', () => {
    const codes = { values: Float32Array.from(reference.representation.codes.flat()), dim: 3 };
    const factors = { values: reference.representation.factors.flat(), dim: 2 };
    const result = computeDci(codes, factors);
    // sklearn breaks equal splits by a random feature order: the fixture holds its figures under random_state 0..4.
    const runs = reference.dci;
    result.importance.forEach((row, i) =>
      row.forEach((v, j) =>
        expect(
          withinSpread(
            v,
            runs.importance.map((m) => m[i]![j]!),
            2e-3,
          ),
        ).toBe(true),
      ),
    );
    expect(withinSpread(result.disentanglement, runs.disentanglement, 2e-3)).toBe(true);
    expect(withinSpread(result.completeness, runs.completeness, 2e-3)).toBe(true);
    expect(withinSpread(result.informativenessTrain, runs.informativenessTrain, 1e-12)).toBe(true);
    expect(withinSpread(result.informativenessTest, runs.informativenessTest, 1e-12)).toBe(true);
  });

  it('is near 1 for codes that copy the factors, and halves completeness for a duplicated latent space', () => {
    const factors = gridFactors(600, [4, 5, 3], 1);
    const copied = computeDci(factors, factors);
    expect(copied.disentanglement).toBeGreaterThan(0.9);
    expect(copied.completeness).toBeGreaterThan(0.9);
    expect(copied.informativenessTest).toBe(1);
    const duplicated = computeDci(concatColumns(factors, factors), factors);
    expect(duplicated.disentanglement).toBeGreaterThan(0.9);
    const target = 1 - Math.log(2) / Math.log(6);
    expect(Math.abs(duplicated.completeness - target)).toBeLessThan(0.1);
  });

  it('is near 0 for codes whose columns are shuffled across samples (dci_test bad_metric)', () => {
    const factors = gridFactors(600, [4, 5, 3], 2);
    const rng = mulberry32(3);
    const values = Float64Array.from(factors.values);
    for (let j = 0; j < 3; j++) {
      const column = Array.from({ length: 600 }, (_, i) => values[i * 3 + j]!);
      shuffleInPlace(rng, column);
      column.forEach((v, i) => (values[i * 3 + j] = v));
    }
    const result = computeDci({ values, dim: 3 }, factors);
    expect(result.disentanglement).toBeLessThan(0.2);
    expect(result.completeness).toBeLessThan(0.2);
  });
});

import { describe, expect, it } from 'vitest';

import { reference } from './fixtures/sklearn-reference';
import { computeSap } from './sap';
import { concatColumns, gridFactors } from './test-data';

const codes = { values: Float32Array.from(reference.representation.codes.flat()), dim: 3 };
const factors = { values: reference.representation.factors.flat(), dim: 2 };

describe('computeSap', () => {
  it('matches disentanglement_lib (LinearSVC, discrete factors) on a noisy representation', () => {
    const result = computeSap(codes, factors);
    expect(result.scoreMatrix).toEqual(reference.sap.discrete.scoreMatrix);
    expect(result.sap).toBeCloseTo(reference.sap.discrete.sap, 12);
  });

  it('matches disentanglement_lib with continuous factors', () => {
    const result = computeSap(codes, factors, { continuousFactors: true });
    result.scoreMatrix.forEach((row, i) =>
      row.forEach((s, j) => expect(s).toBeCloseTo(reference.sap.continuous.scoreMatrix[i]![j]!, 10)),
    );
    expect(result.sap).toBeCloseTo(reference.sap.continuous.sap, 10);
  });

  it('is near 1 for copied factors, 0 for constant codes and for a duplicated latent space (sap_score_test)', () => {
    const copied = gridFactors(3000, [10, 10, 10, 10], 1);
    expect(computeSap(copied, copied, { continuousFactors: true }).sap).toBeGreaterThan(0.9);
    expect(computeSap({ values: new Float64Array(3000 * 4), dim: 4 }, copied, { continuousFactors: true }).sap).toBe(0);
    expect(computeSap(concatColumns(copied, copied), copied, { continuousFactors: true }).sap).toBeLessThan(0.2);
    // Discrete factors: a 1-D linear one-vs-rest classifier reads a binary factor perfectly from the code that copies it and
    // is at chance (0.5, balanced) from the others; factors of many values are not linearly separable on one axis, so SAP stays lower.
    const binary = gridFactors(3000, [2, 2, 2, 2], 2);
    const discrete = computeSap(binary, binary);
    discrete.scoreMatrix.forEach((row, i) => expect(row[i]).toBe(1));
    expect(discrete.sap).toBeGreaterThan(0.4);
  });

  it('stays far below 1 for a code that is the factors themselves when they take many values (what the UI warns of)', () => {
    // Shapes' factors: shape 3, scale 6, orientation 40, x 32, y 32 values.
    const shapes = gridFactors(2000, [3, 6, 40, 32, 32], 3);
    const perfect = computeSap(shapes, shapes).sap;
    console.log(`SAP of a code equal to Shapes' factors: ${perfect.toFixed(3)}`);
    expect(perfect).toBeGreaterThan(0);
    expect(perfect).toBeLessThan(0.5);
  });
});

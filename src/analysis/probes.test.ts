import { describe, expect, it } from 'vitest';

import { computeProbes } from './probes';
import { mulberry32, randomInt, standardNormal } from './random';

/** n codes of dimension d in 10 classes whose means differ along the first 10 dimensions by `separation`. */
function classes(n: number, d: number, separation: number, seed: number) {
  const rng = mulberry32(seed);
  const labels = Int32Array.from({ length: n }, () => randomInt(rng, 10));
  const values = new Float32Array(n * d);
  labels.forEach((l, i) => {
    for (let j = 0; j < d; j++) values[i * d + j] = (j === l ? separation : 0) + standardNormal(rng);
  });
  return { codes: { values, dim: d }, labels };
}

describe('computeProbes', () => {
  it('learns separable classes from 10 labels per class and more from 100', () => {
    const train = classes(3000, 16, 4, 1);
    const test = classes(2000, 16, 4, 2);
    const { probes } = computeProbes(train, test, {
      budgets: [
        { labelsPerClass: 10, draws: 3 },
        { labelsPerClass: 100, draws: 2 },
      ],
    });
    expect(probes.map((p) => p.trainSize)).toEqual([100, 1000]);
    expect(probes[0]!.accuracies).toHaveLength(3);
    expect(probes[0]!.meanAccuracy).toBeGreaterThan(0.85);
    expect(probes[1]!.meanAccuracy).toBeGreaterThan(0.95);
    expect(probes[1]!.meanAccuracy).toBeGreaterThanOrEqual(probes[0]!.meanAccuracy);
  });

  it('stays at chance on codes that carry no label information', () => {
    const train = classes(2000, 8, 0, 3);
    const test = classes(2000, 8, 0, 4);
    const { probes } = computeProbes(train, test, { budgets: [{ labelsPerClass: 100, draws: 2 }] });
    expect(probes[0]!.meanAccuracy).toBeGreaterThan(0.05);
    expect(probes[0]!.meanAccuracy).toBeLessThan(0.15);
  });

  it('is the same for the same seed, and takes seconds at 1,000 labels per class on 10,000 codes of dimension 32', () => {
    const train = classes(12000, 32, 2, 5);
    const test = classes(10000, 32, 2, 6);
    const options = { budgets: [{ labelsPerClass: 1000, draws: 1 }], seed: 9 };
    const started = performance.now();
    const first = computeProbes(train, test, options);
    const seconds = (performance.now() - started) / 1000;
    console.log(`probe, 10 classes × 1,000 labels, 10,000 test codes of dim 32: ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(30);
    expect(computeProbes(train, test, options)).toEqual(first);
    expect(first.probes[0]!.trainSize).toBe(10000);
  });
});

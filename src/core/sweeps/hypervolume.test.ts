import { describe, expect, it } from 'vitest';
import { createRng } from '../../shared/random';
import { greedySubset, hypervolume, nondominationRanks, referencePoint } from './hypervolume';

/** The volume of integer points' union of boxes up to the reference, by counting the unit cells some point dominates. */
function countedVolume(points: number[][], reference: number[]): number {
  let cells = 0;
  const walk = (prefix: number[]): void => {
    if (prefix.length === reference.length) {
      if (points.some((p) => p.every((v, i) => v <= (prefix[i] as number)))) cells++;
      return;
    }
    for (let c = 0; c < (reference[prefix.length] as number); c++) walk([...prefix, c]);
  };
  walk([]);
  return cells;
}

describe('hypervolume', () => {
  it('is the area of a staircase and the volume of two overlapping boxes, worked by hand', () => {
    // Columns 1–2, 2–3 and 3–4 reach up from 3, 2 and 1 to 4: 1 + 2 + 3.
    expect(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        [4, 4],
      ),
    ).toBe(6);
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBe(6);
    // 2·2·1 and 1·1·2, sharing the unit cube [1, 2]³.
    expect(
      hypervolume(
        [
          [0, 0, 1],
          [1, 1, 0],
        ],
        [2, 2, 2],
      ),
    ).toBe(5);
  });

  it('leaves out dominated points and points beyond the reference', () => {
    expect(
      hypervolume(
        [
          [1, 3],
          [2, 2],
          [3, 1],
          [3, 3],
        ],
        [4, 4],
      ),
    ).toBe(6);
    expect(hypervolume([[5, 0]], [4, 4])).toBe(0);
    expect(hypervolume([], [4, 4])).toBe(0);
  });

  it('agrees with counting cells on random integer sets in 2 and 3 dimensions', () => {
    const rng = createRng(7);
    for (const d of [2, 3]) {
      for (let trial = 0; trial < 20; trial++) {
        const reference = Array.from({ length: d }, () => 6);
        const points = Array.from({ length: 1 + Math.floor(rng() * 6) }, () =>
          Array.from({ length: d }, () => Math.floor(rng() * 7)),
        );
        expect(hypervolume(points, reference)).toBe(countedVolume(points, reference));
      }
    }
  });
});

describe('the non-dominated ranks and the greedy subset', () => {
  it('ranks a front, the front behind it, and the one behind that', () => {
    expect(
      nondominationRanks([
        [1, 1],
        [2, 2],
        [1, 3],
        [3, 1],
        [3, 3],
      ]),
    ).toEqual([0, 1, 1, 1, 2]);
  });

  it('takes the point of largest volume first, then the one adding most to it (the first of a tie)', () => {
    // Alone: 3, 4 and 3. Beside (2, 2), either end adds 1.
    expect(
      greedySubset(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        2,
        [4, 4],
      ),
    ).toEqual([1, 0]);
    // Beside (2, 2), (1.5, 3.5) adds 0.25 and (3, 1) adds 1.
    expect(
      greedySubset(
        [
          [1.5, 3.5],
          [2, 2],
          [3, 1],
        ],
        2,
        [4, 4],
      ),
    ).toEqual([1, 2]);
  });

  it("puts Optuna's reference 10 % beyond the worst value, and a tiny value for a worst of 0", () => {
    const [x, y, z] = referencePoint([
      [1, -2, 0],
      [3, -4, 0],
    ]);
    expect(x).toBeCloseTo(3.3);
    expect(y).toBeCloseTo(-1.8);
    expect(z).toBe(1e-12);
  });
});

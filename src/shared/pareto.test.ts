import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paretoFront, parseObjectives } from './pareto';

/** Domination as defined, written here apart from the module: no worse on every objective, better on one. */
const dominates = (q: number[], p: number[]) => q.every((x, i) => x <= p[i]!) && q.some((x, i) => x < p[i]!);

/** The definition, by brute force: an item is on the front when no other item dominates it. */
function bruteForce(points: number[][], goals: ('min' | 'max')[]): number[] {
  const signed = points.map((p) => p.map((x, i) => (goals[i] === 'max' ? -x : x)));
  return signed.flatMap((p, i) => (signed.some((q, j) => j !== i && dominates(q, p)) ? [] : [i]));
}

describe('Pareto fronts', () => {
  it('returns exactly the non-dominated points, against brute force, for any goals and ties', () => {
    const goal = fc.constantFrom<'min' | 'max'>('min', 'max');
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }).chain((d) =>
          fc.tuple(
            fc.array(goal, { minLength: d, maxLength: d }),
            // Small integers make ties and equal points common.
            fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: d, maxLength: d }), { maxLength: 60 }),
          ),
        ),
        ([goals, points]) => {
          const indices = points.map((_, i) => i);
          expect(paretoFront(indices, (i) => points[i] ?? [], goals)).toEqual(bruteForce(points, goals));
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });

  it('leaves out items missing a value, and keeps the given order', () => {
    const runs = [
      { id: 1, loss: 3, kl: 1 },
      { id: 2, loss: 1, kl: 3 },
      { id: 3, loss: 2, kl: 2 },
      { id: 4, loss: 3, kl: 3 },
      { id: 5, loss: undefined, kl: 0 },
    ];
    const front = paretoFront(runs, (r) => [r.loss, r.kl], ['min', 'min']);
    expect(front.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(paretoFront(runs, (r) => [r.loss, r.kl], ['max', 'min']).map((r) => r.id)).toEqual([1]);
  });

  it('reads objectives and names a bad one', () => {
    expect(parseObjectives('test.loss:min, training.learningRate:max')).toEqual([
      { key: 'test.loss', goal: 'min' },
      { key: 'training.learningRate', goal: 'max' },
    ]);
    expect(() => parseObjectives('test.loss:min')).toThrow('two objectives or more');
    expect(() => parseObjectives('test.loss:min,test.kl:lowest')).toThrow('"test.kl:lowest": write an objective as');
    expect(() => parseObjectives('test.loss:min,test.loss:max')).toThrow('"test.loss" is given twice');
  });
});

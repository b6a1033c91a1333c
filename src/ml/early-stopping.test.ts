import { describe, expect, it } from 'vitest';
import { earlyStoppingAfterEpoch, initialEarlyStopping, type EarlyStoppingState } from './early-stopping';

/** Feeds epoch values 1, 2, … to the rule; returns the epoch it stops at (or null) and its state then. */
function run(values: number[], rule: Parameters<typeof earlyStoppingAfterEpoch>[0]) {
  let state: EarlyStoppingState = initialEarlyStopping();
  for (const [i, value] of values.entries()) {
    const next = earlyStoppingAfterEpoch(rule, state, i + 1, value);
    state = next.state;
    if (next.stop) return { stoppedAt: i + 1, state };
  }
  return { stoppedAt: null, state };
}

describe('early stopping (Keras’ EarlyStopping)', () => {
  it('stops after `patience` epochs without an improvement of more than minDelta, and remembers the best', () => {
    // 0.995 beats 1.0 by less than minDelta 0.01: not an improvement; nor are the two after it.
    const { stoppedAt, state } = run([1.2, 1.0, 0.995, 1.1, 0.999, 0.5], {
      metric: 'loss',
      mode: 'min',
      patience: 3,
      minDelta: 0.01,
    });
    expect(stoppedAt).toBe(5);
    expect(state).toEqual({ best: 1.0, bestEpoch: 2, wait: 3 });
  });

  it('in max mode an improvement is a rise', () => {
    const { stoppedAt, state } = run([0.5, 0.6, 0.61, 0.7, 0.69, 0.68], {
      metric: 'acc',
      mode: 'max',
      patience: 2,
      minDelta: 0.05,
    });
    // 0.61 is not 0.05 above 0.6; 0.7 is, and the two after it are not.
    expect(stoppedAt).toBe(6);
    expect(state).toEqual({ best: 0.7, bestEpoch: 4, wait: 2 });
  });

  it('a NaN is an epoch without improvement, the first one too: it never becomes the best', () => {
    const rule = { metric: 'loss', mode: 'min', patience: 2, minDelta: 0 } as const;
    expect(run([NaN, 3, 2, NaN, 1], rule)).toEqual({ stoppedAt: null, state: { best: 1, bestEpoch: 5, wait: 0 } });
    expect(run([2, NaN, NaN], rule)).toEqual({ stoppedAt: 3, state: { best: 2, bestEpoch: 1, wait: 2 } });
  });

  it('a metric that keeps improving never stops the run', () => {
    expect(run([5, 4, 3, 2, 1], { metric: 'loss', mode: 'min', patience: 1, minDelta: 0 }).stoppedAt).toBeNull();
  });
});

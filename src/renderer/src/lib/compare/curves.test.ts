import { describe, expect, it } from 'vitest';
import { aggregateCurves, alignCurves, curvePointsFor, endsBeforeItsRuns, interpolate, smoothEma } from '../compare';

describe('aligning and aggregating curves', () => {
  it('interpolates linearly inside the range and not outside', () => {
    expect(interpolate([0, 10], [1, 3], 5)).toBe(2);
    expect(interpolate([0, 10, 20], [1, 3, 4], 15)).toBe(3.5);
    expect(interpolate([0, 10], [1, 3], 10)).toBe(3);
    expect(interpolate([0, 10], [1, 3], 11)).toBeNaN();
  });

  it('aligns on the steps every curve has', () => {
    const a = { step: [0, 10, 20, 30], epoch: [0, 1, 2, 3], value: [4, 3, 2, 1] };
    const b = { step: [0, 10, 20], epoch: [0, 1, 2], value: [5, 4, 3] };
    expect(alignCurves([a, b])).toEqual({
      step: [0, 10, 20],
      epoch: [0, 1, 2],
      values: [
        [4, 3, 2],
        [5, 4, 3],
      ],
      method: 'common-steps',
    });
  });

  it('interpolates onto the shortest curve when they share too few steps', () => {
    const a = { step: [0, 10, 20, 30, 40], epoch: [0, 1, 2, 3, 4], value: [0, 10, 20, 30, 40] };
    const b = { step: [5, 15, 25, 35, 45], epoch: [0.5, 1.5, 2.5, 3.5, 4.5], value: [1, 1, 1, 1, 1] };
    const c = { step: [5, 25, 45], epoch: [0.5, 2.5, 4.5], value: [2, 4, 6] };
    // All three cover 5..40; c's steps inside it are 5 and 25.
    expect(alignCurves([a, b, c])).toEqual({
      step: [5, 25],
      epoch: [0.5, 2.5],
      values: [
        [5, 25],
        [1, 1],
        [2, 4],
      ],
      method: 'interpolated',
    });
  });

  it('aligns runs of different steps per epoch epoch for epoch when the chart’s x is the epoch', () => {
    // 20 epochs each: A logs 100 steps an epoch (batch 64), B 25 (batch 256); the loss falls as 1/epoch in both.
    const run = (perEpoch: number) => {
      const step = Array.from({ length: 20 * perEpoch }, (_, i) => i + 1);
      const epoch = step.map((s) => s / perEpoch);
      return { step, epoch, value: epoch.map((e) => 1 / e) };
    };
    const [a, b] = [run(100), run(25)];
    const onEpochs = aggregateCurves([a, b], 'minmax', 'epoch');
    expect(onEpochs.epoch.at(-1)).toBe(20);
    const at8 = onEpochs.epoch.indexOf(8);
    expect(onEpochs.mean[at8]).toBeCloseTo(1 / 8, 9);
    expect(onEpochs.hi[at8]! - onEpochs.lo[at8]!).toBeCloseTo(0, 9);
    // On steps, the same two runs meet only over B's 500 steps, where A has trained 5 epochs.
    expect(aggregateCurves([a, b], 'minmax').epoch.at(-1)).toBe(5);
  });

  it('says when a group’s mean ends before one of its runs does', () => {
    const run = (epochs: number) => {
      const epoch = Array.from({ length: epochs }, (_, i) => i + 1);
      return { step: epoch.map((e) => 10 * e), epoch, value: epoch.map((e) => 1 / e) };
    };
    const [whole, failedEarly] = [run(20), run(8)];
    const group = [whole, failedEarly];
    expect(endsBeforeItsRuns(group, aggregateCurves(group, 'minmax', 'epoch'), 'epoch')).toBe(true);
    expect(endsBeforeItsRuns(group, aggregateCurves(group, 'minmax'), 'step')).toBe(true);
    const same = [whole, run(20)];
    expect(endsBeforeItsRuns(same, aggregateCurves(same, 'minmax', 'epoch'), 'epoch')).toBe(false);
  });

  it('asks for fewer points per curve the more runs there are', () => {
    expect(curvePointsFor(2)).toBe(1000);
    expect(curvePointsFor(100)).toBe(1000);
    expect(curvePointsFor(200)).toBe(500);
    expect(curvePointsFor(1000)).toBe(300);
  });

  it('gives the mean with its min–max band', () => {
    const curves = [
      { step: [1, 2], epoch: [1, 2], value: [1, 0] },
      { step: [1, 2], epoch: [1, 2], value: [2, 4] },
      { step: [1, 2], epoch: [1, 2], value: [3, 8] },
    ];
    expect(aggregateCurves(curves, 'minmax')).toMatchObject({ step: [1, 2], mean: [2, 4], lo: [1, 0], hi: [3, 8], n: 3 });
  });

  it('gives the mean ± one sample standard deviation', () => {
    const curves = [
      { step: [1, 2], epoch: [1, 2], value: [1, 0] },
      { step: [1, 2], epoch: [1, 2], value: [2, 4] },
      { step: [1, 2], epoch: [1, 2], value: [3, 8] },
    ];
    // Step 1: deviations −1, 0, 1 → s² = 2 / 2 = 1. Step 2: −4, 0, 4 → s² = 32 / 2 = 16.
    expect(aggregateCurves(curves, 'std')).toMatchObject({ mean: [2, 4], lo: [1, 0], hi: [3, 8] });
    expect(aggregateCurves(curves.slice(0, 2), 'std')).toMatchObject({
      mean: [1.5, 2],
      lo: [1.5 - Math.SQRT1_2, 2 - Math.sqrt(8)],
      hi: [1.5 + Math.SQRT1_2, 2 + Math.sqrt(8)],
    });
  });

  it('draws one run as its own curve, with no spread, and leaves a diverged value out', () => {
    const one = { step: [1, 2], epoch: [1, 2], value: [3, 5] };
    expect(aggregateCurves([one], 'std')).toMatchObject({ mean: [3, 5], lo: [3, 5], hi: [3, 5], n: 1 });
    const nan = { step: [1, 2], epoch: [1, 2], value: [NaN, 9] };
    expect(aggregateCurves([one, nan], 'minmax')).toMatchObject({ mean: [3, 7], lo: [3, 5], hi: [3, 9] });
    expect(aggregateCurves([one, nan], 'none')).toMatchObject({ mean: [3, 7], lo: [3, 7], hi: [3, 7] });
  });
});

describe('smoothing', () => {
  it('is TensorBoard’s debiased exponential moving average', () => {
    // w = 0.5: 1 → 0.5 / 0.5 = 1; 2 → 1.25 / 0.75 = 5/3; 3 → 2.125 / 0.875 = 17/7.
    const s = smoothEma([1, 2, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(5 / 3, 12);
    expect(s[2]).toBeCloseTo(17 / 7, 12);
  });

  it('passes non-finite values through, and leaves constant series and weight 0 alone', () => {
    const s = smoothEma([1, NaN, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeNaN();
    // The NaN does not count: 3 is the second value, 1.75 / 0.75.
    expect(s[2]).toBeCloseTo(7 / 3, 12);
    expect(smoothEma([2, 2, 2], 0.9)).toEqual([2, 2, 2]);
    expect(smoothEma([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });
});

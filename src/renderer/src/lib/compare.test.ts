import { describe, expect, it } from 'vitest';
import {
  aggregateCurves,
  alignCurves,
  categoricalPalette,
  colorScale,
  configTable,
  curvePointsFor,
  defaultColorBy,
  defaultGroupBy,
  defaultMetric,
  defaultScatterAxes,
  fieldLabels,
  firstOfEachGroup,
  formatValue,
  groupRuns,
  imagesAtEpoch,
  interpolate,
  kindTitle,
  makeAxis,
  metricTitle,
  niceTicks,
  orderMetrics,
  parseMetricKey,
  placeLabels,
  sequentialColor,
  smoothEma,
  thinTicks,
  withAlpha,
  type CompareRow,
} from './compare';

/** A β sweep {10, 2, 0.5} × seeds {1, 2, 3}, ids 1–9 in that order (β varies slowest). */
const sweep: CompareRow[] = [10, 2, 0.5].flatMap((beta, b) =>
  [1, 2, 3].map((seed, s) => ({
    id: 3 * b + s + 1,
    name: `beta=${beta} seed=${seed}`,
    config: { name: `beta=${beta} seed=${seed}`, 'model.beta': beta, 'training.seed': seed, 'training.epochs': 5 },
  })),
);
const sweepFields = ['model.beta', 'training.seed', 'name'];

describe('metric keys', () => {
  it('splits split.name and refuses what is not one', () => {
    expect(parseMetricKey('test.kl')).toEqual({ split: 'test', name: 'kl' });
    expect(parseMetricKey('train.batch_loss')).toEqual({ split: 'train', name: 'batch_loss' });
    expect(parseMetricKey('loss')).toBeUndefined();
    expect(parseMetricKey('val.loss')).toBeUndefined();
    expect(parseMetricKey('test.')).toBeUndefined();
  });

  it('opens on test loss, and on rate against distortion for VAEs', () => {
    expect(defaultMetric(['train.loss', 'test.kl', 'test.loss'])).toBe('test.loss');
    expect(defaultMetric(['train.loss', 'test.mse'])).toBe('test.mse');
    expect(defaultMetric([])).toBeUndefined();
    expect(defaultScatterAxes(['test.loss', 'test.reconstruction', 'test.kl'])).toEqual({
      x: 'test.kl',
      y: 'test.reconstruction',
    });
    expect(defaultScatterAxes(['train.loss', 'test.loss', 'test.mse'])).toEqual({ x: 'test.mse', y: 'test.loss' });
    expect(defaultScatterAxes(['test.loss'])).toBeUndefined();
  });
});

describe('metric pickers', () => {
  const families = [
    {
      metrics: [
        { name: 'neg_elbo', label: 'test −ELBO' },
        { name: 'kl', label: 'KL', unit: 'nats' },
        { name: 'kl_per_dim', label: 'KL per latent dimension', perDimension: 'kl_dim_' },
      ],
    },
  ];

  it('titles metrics as families declare them', () => {
    expect(metricTitle('test.neg_elbo', families)).toBe('test −ELBO');
    expect(metricTitle('train.kl', families)).toBe('train KL (nats)');
    expect(metricTitle('train.batch_loss', families)).toBe('train batch loss');
    expect(metricTitle('odd', families)).toBe('odd');
  });

  it('lists test metrics first and per-dimension ones last', () => {
    expect(orderMetrics(['train.loss', 'test.kl_dim_0', 'test.loss', 'train.kl', 'test.kl'])).toEqual([
      'test.loss',
      'test.kl',
      'train.loss',
      'train.kl',
      'test.kl_dim_0',
    ]);
  });
});

describe('values and labels', () => {
  it('formats config values briefly', () => {
    expect(formatValue(0.5)).toBe('0.5');
    expect(formatValue(1 / 3)).toBe('0.333');
    expect(formatValue(128)).toBe('128');
    expect(formatValue(0.0002)).toBe('2e-4');
    expect(formatValue(0.00025)).toBe('2.5e-4');
    expect(formatValue([784, 400])).toBe('[784,400]');
    expect(formatValue(true)).toBe('true');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(undefined)).toBe('–');
  });

  it('labels paths by their last segment unless two share it', () => {
    expect(fieldLabels(['model.beta', 'training.seed', 'dataset.seed', 'model.encoder[0].units'])).toEqual({
      'model.beta': 'beta',
      'training.seed': 'training.seed',
      'dataset.seed': 'dataset.seed',
      'model.encoder[0].units': 'units',
    });
  });
});

describe('grouping runs', () => {
  it('groups replicates of one config (all fields but the seed), ordered by value', () => {
    const groups = groupRuns(sweep, { kind: 'except-seed' }, sweepFields);
    expect(groups.map((g) => g.label)).toEqual(['beta=0.5', 'beta=2', 'beta=10']);
    expect(groups.map((g) => g.runIds)).toEqual([
      [7, 8, 9],
      [4, 5, 6],
      [1, 2, 3],
    ]);
  });

  it('groups by one field, or leaves each run alone', () => {
    const bySeed = groupRuns(sweep, { kind: 'field', path: 'training.seed' }, sweepFields);
    expect(bySeed.map((g) => [g.label, g.runIds])).toEqual([
      ['seed=1', [1, 4, 7]],
      ['seed=2', [2, 5, 8]],
      ['seed=3', [3, 6, 9]],
    ]);
    const alone = groupRuns(sweep.slice(0, 2), { kind: 'none' }, sweepFields);
    expect(alone.map((g) => [g.label, g.runIds])).toEqual([
      ['#1 beta=10 seed=1', [1]],
      ['#2 beta=10 seed=2', [2]],
    ]);
  });

  it('puts runs that differ only by seed in one group', () => {
    const seeds = sweep.slice(0, 3);
    expect(groupRuns(seeds, { kind: 'except-seed' }, ['training.seed', 'name'])).toEqual([
      { key: '[]', label: 'all runs', runIds: [1, 2, 3], values: {} },
    ]);
  });

  it('picks one run of each group, in the runs’ order', () => {
    const groups = groupRuns(sweep, { kind: 'except-seed' }, sweepFields);
    // Run 1 has no images: its group is shown by run 2; run 42 is in no group.
    const withImages = [{ id: 8 }, { id: 2 }, { id: 9 }, { id: 3 }, { id: 5 }, { id: 42 }];
    expect(firstOfEachGroup(withImages, groups).map((r) => r.id)).toEqual([8, 2, 5, 42]);
  });

  it('groups by config except seed by default only when that joins runs', () => {
    expect(defaultGroupBy(sweep, sweepFields)).toEqual({ kind: 'except-seed' });
    // One run per β: every group would hold one run.
    const onePerBeta = [sweep[0], sweep[3], sweep[6]] as CompareRow[];
    expect(defaultGroupBy(onePerBeta, sweepFields)).toEqual({ kind: 'none' });
    expect(defaultGroupBy(sweep, ['model.beta'])).toEqual({ kind: 'none' });
  });

  it('colours by the first field that configures the model', () => {
    expect(defaultColorBy(['name', 'training.seed', 'model.beta'])).toBe('model.beta');
    expect(defaultColorBy(['name', 'training.seed'])).toBe('training.seed');
    expect(defaultColorBy(['experiment'])).toBeUndefined();
  });
});

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

describe('colour scales', () => {
  it('samples Turbo between 0.1 and 0.9', () => {
    // Turbo's polynomial at 0.1: r 0.288, g 0.346, b 0.867 (by hand, Horner's rule) → 73, 88, 221.
    expect(sequentialColor(0)).toBe('#4958dd');
    expect(sequentialColor(-1)).toBe('#4958dd');
    expect(sequentialColor(1)).not.toBe(sequentialColor(0));
  });

  it('spaces positive values spanning ten times or more on a log scale', () => {
    const scale = colorScale([8, 0.5, 2, 2]);
    expect(scale.kind).toBe('continuous');
    expect(scale.log).toBe(true);
    expect(scale.color(0.5)).toBe(sequentialColor(0));
    expect(scale.color(2)).toBe(sequentialColor(0.5));
    expect(scale.color(8)).toBe(sequentialColor(1));
    expect(scale.legend.map((l) => l.label)).toEqual(['0.5', '2', '8']);
    expect(scale.color(undefined)).toBe('#8a9099');
  });

  it('is linear for values spanning less than ten times', () => {
    const scale = colorScale([1, 3, 2]);
    expect(scale.log).toBe(false);
    expect(scale.color(2)).toBe(sequentialColor(0.5));
    expect(scale.color(2.5)).toBe(sequentialColor(0.75));
  });

  it('lists five values of a scale with many', () => {
    const scale = colorScale(Array.from({ length: 20 }, (_, i) => i));
    expect(scale.legend.map((l) => l.label)).toEqual(['0', '4.75', '9.5', '14.3', '19']);
  });

  it('gives categories the palette in their order', () => {
    const scale = colorScale(['sgd', 'adam', 'sgd', 1]);
    expect(scale.kind).toBe('categorical');
    expect(scale.color(1)).toBe(categoricalPalette[0]);
    expect(scale.color('adam')).toBe(categoricalPalette[1]);
    expect(scale.color('sgd')).toBe(categoricalPalette[2]);
    expect(scale.color('rmsprop')).toBe('#8a9099');
    expect(colorScale([4, 4]).kind).toBe('categorical');
    // Numbers mixed with text are categories too.
    expect(colorScale([1, 2, 'a'])).toMatchObject({ kind: 'categorical', log: false });
  });

  it('adds an alpha channel', () => {
    expect(withAlpha('#4e79a7', 0.25)).toBe('#4e79a740');
  });
});

describe('axes', () => {
  it('places numbers linearly with round ticks', () => {
    const axis = makeAxis([0, 10, 4]);
    expect(axis.kind).toBe('linear');
    expect(axis.position(5)).toBe(0.5);
    expect(axis.ticks.map((t) => t.label)).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(axis.ticks[1]?.at).toBeCloseTo(0.2, 12);
    expect(niceTicks(0.13, 0.87, 5)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  });

  it('offers a log scale beyond two decades, with a tick per decade', () => {
    const rates = [1e-4, 1e-3, 1e-1];
    expect(makeAxis(rates).kind).toBe('linear');
    const axis = makeAxis(rates, { log: true });
    expect(axis.kind).toBe('log');
    expect(axis.position(1e-3)).toBeCloseTo(1 / 3, 12);
    expect(axis.ticks.map((t) => t.label)).toEqual(['1e-4', '0.001', '0.01', '0.1']);
    expect(axis.ticks.map((t) => t.at)).toEqual([0, 1 / 3, 2 / 3, 1]);
    // 1 to 50 spans less than two decades: no log scale even when asked.
    expect(makeAxis([1, 50], { log: true })).toMatchObject({ kind: 'linear', canLog: false });
    expect(makeAxis([-1, 500], { log: true }).canLog).toBe(false);
  });

  it('ticks a sweep’s grid at its values, thinned where labels would overlap', () => {
    const betas = [0.25, 0.5, 1, 2, 4, 8, 16, 32];
    const log = makeAxis(betas, { log: true, valueTicks: 10 });
    expect(log.ticks.map((t) => t.label)).toEqual(['0.25', '0.5', '1', '2', '4', '8', '16', '32']);
    expect(log.ticks[1]?.at).toBeCloseTo(1 / 7, 12);
    expect(makeAxis([1, 2, 3], { valueTicks: 3 }).ticks.map((t) => t.label)).toEqual(['1', '2', '3']);
    expect(makeAxis([1, 2, 3], { valueTicks: 2 }).ticks.map((t) => t.label)).toEqual(['1', '1.5', '2', '2.5', '3']);
    // More values than asked for: round ticks (decades on a log axis).
    expect(makeAxis(betas, { log: true, valueTicks: 4 }).ticks.map((t) => t.label)).toEqual(['1', '10']);
    // 1.1 crowds 1 and goes; 9.9 crowds 10 and goes, as the top tick is always kept.
    expect(makeAxis([1, 1.1, 5, 9.9, 10], { valueTicks: 10, minTickGap: 0.05 }).ticks.map((t) => t.label)).toEqual([
      '1',
      '5',
      '10',
    ]);
    expect(thinTicks([{ at: 0 }, { at: 0.5 }, { at: 0.52 }, { at: 1 }], 0.1)).toEqual([{ at: 0 }, { at: 0.5 }, { at: 1 }]);
  });

  it('spaces categories evenly in their order', () => {
    const axis = makeAxis(['tanh', 'relu', 'sigmoid', 'relu']);
    expect(axis.kind).toBe('category');
    expect(axis.ticks).toEqual([
      { label: 'relu', at: 0 },
      { label: 'sigmoid', at: 0.5 },
      { label: 'tanh', at: 1 },
    ]);
    expect(axis.position('gelu')).toBeNull();
    expect(makeAxis([true]).position(true)).toBe(0.5);
  });

  it('puts a constant field in the middle', () => {
    expect(makeAxis([3, 3]).position(3)).toBe(0.5);
  });
});

describe('scatter labels', () => {
  it('places labels right, left, above, below, then leaves them out', () => {
    const p = { x: 100, y: 100, text: 'β=2' }; // 3 characters × 6 = 18 px wide
    const boxes = placeLabels([p, p, p, p, p], { width: 300, height: 300 }, { charWidth: 6, height: 10, gap: 4 });
    expect(boxes).toEqual([
      { x: 104, y: 95, width: 18, height: 10 },
      { x: 78, y: 95, width: 18, height: 10 },
      { x: 91, y: 85, width: 18, height: 10 },
      { x: 91, y: 105, width: 18, height: 10 },
      null,
    ]);
  });

  it('names replicates in a cluster once', () => {
    const pts = [
      { x: 100, y: 100, text: 'β=2' },
      { x: 110, y: 100, text: 'β=2' },
      { x: 112, y: 100, text: 'β=8' },
      { x: 200, y: 100, text: 'β=2' },
    ];
    const boxes = placeLabels(pts, { width: 300, height: 300 }, { charWidth: 6, height: 10, gap: 4, repeatDistance: 40 });
    expect(boxes.map((b) => b !== null)).toEqual([true, false, true, true]);
  });

  it('keeps labels off other points where it can', () => {
    // A neighbour 10 px to the right: the label goes left instead.
    const pts = [
      { x: 100, y: 100, text: 'ab' },
      { x: 110, y: 100, text: '' },
    ];
    const opts = { charWidth: 6, height: 10, gap: 4, pointRadius: 4 };
    expect(placeLabels(pts, { width: 300, height: 300 }, opts)[0]).toEqual({ x: 84, y: 95, width: 12, height: 10 });
    // Boxed in on all four sides: the wider ring, 12 px further out, on the right.
    const boxed = [
      { x: 100, y: 100, text: 'ab' },
      { x: 110, y: 100, text: '' },
      { x: 90, y: 100, text: '' },
      { x: 100, y: 88, text: '' },
      { x: 100, y: 112, text: '' },
    ];
    expect(placeLabels(boxed, { width: 300, height: 300 }, opts)[0]).toEqual({ x: 116, y: 95, width: 12, height: 10 });
  });

  it('keeps labels inside the plot', () => {
    const [box] = placeLabels(
      [{ x: 295, y: 50, text: 'abc' }],
      { width: 300, height: 300 },
      { charWidth: 6, height: 10, gap: 4 },
    );
    expect(box).toEqual({ x: 273, y: 45, width: 18, height: 10 });
  });
});

describe('images', () => {
  const index = [
    { id: 1, runId: 1, kind: 'reconstructions', epoch: 1, mime: 'image/png' },
    { id: 2, runId: 1, kind: 'reconstructions', epoch: 2, mime: 'image/png' },
    { id: 3, runId: 1, kind: 'reconstructions', epoch: 3, mime: 'image/png' },
    { id: 4, runId: 2, kind: 'reconstructions', epoch: 1, mime: 'image/png' },
    { id: 5, runId: 2, kind: 'reconstructions', epoch: 3, mime: 'image/png' },
    { id: 6, runId: 2, kind: 'prior-samples', epoch: 3, mime: 'image/png' },
    { id: 7, runId: 2, kind: 'latent-scatter', epoch: 3, mime: 'application/json' },
    { id: 8, runId: 3, kind: 'reconstructions', epoch: 5, mime: 'image/png' },
  ];

  it('shows each run at the largest epoch not after the slider', () => {
    const at2 = imagesAtEpoch(index, 'reconstructions', 2);
    expect([...at2].map(([run, a]) => [run, a.id])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect([...imagesAtEpoch(index, 'reconstructions', 9)].map(([run, a]) => [run, a.id])).toEqual([
      [1, 3],
      [2, 5],
      [3, 8],
    ]);
    expect(imagesAtEpoch(index, 'reconstructions', 0).size).toBe(0);
  });

  it('titles a kind as a family declares it, else in words', () => {
    const families = [{ views: [{ kind: 'prior-samples', title: 'Samples from the prior', view: 'image-grid' as const }] }];
    expect(kindTitle('prior-samples', families)).toBe('Samples from the prior');
    expect(kindTitle('decoder_swaps', families)).toBe('Decoder swaps');
  });
});

describe('config table', () => {
  it('lists the differing fields, or every field', () => {
    const rows = sweep.slice(0, 2);
    expect(configTable(rows, sweepFields, false)).toEqual([
      { path: 'model.beta', values: [10, 10], differs: false },
      { path: 'training.seed', values: [1, 2], differs: true },
    ]);
    // β is the same in these two runs; the name differs though the differing fields leave it out.
    expect(configTable(rows, ['training.seed'], true).map((r) => [r.path, r.differs])).toEqual([
      ['name', true],
      ['model.beta', false],
      ['training.seed', true],
      ['training.epochs', false],
    ]);
  });
});

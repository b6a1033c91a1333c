import { describe, expect, it } from 'vitest';
import {
  colorScale,
  fitText,
  logColorSpan,
  makeAxis,
  niceTicks,
  placeLabels,
  polylineAcross,
  thinTicks,
  tickLabels,
  titleLines,
} from '../compare';

describe('axes', () => {
  it('places numbers linearly with round ticks', () => {
    const axis = makeAxis([0, 10, 4]);
    expect(axis.kind).toBe('linear');
    expect(axis.position(5)).toBe(0.5);
    expect(axis.ticks.map((t) => t.label)).toEqual(['0', '2', '4', '6', '8', '10']);
    expect(axis.ticks[1]?.at).toBeCloseTo(0.2, 12);
    expect(niceTicks(0.13, 0.87, 5)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
  });

  it('reaches out to round ends where asked (a scatter), so the extreme points have ticks to be read against', () => {
    // A front's reconstruction from 422.6 to 449.3: without round ends the top point sits above the last tick, 445.
    expect(makeAxis([422.6, 449.3]).ticks.map((t) => t.label)).toEqual(['425', '430', '435', '440', '445']);
    const axis = makeAxis([422.6, 449.3], { roundEnds: true });
    expect(axis.ticks.map((t) => t.label)).toEqual(['420', '425', '430', '435', '440', '445', '450']);
    expect([axis.position(420), axis.position(450), axis.position(435)]).toEqual([0, 1, 0.5]);
    // Ticked at the step its ends were rounded to: 3 to 10.4 once spanned 3–11 with ticks 4 to 10, its ends bare.
    expect(makeAxis([3, 10.4], { roundEnds: true, ticks: 5 }).ticks.map((t) => t.at)).toEqual(expect.arrayContaining([0, 1]));
    // Values already on round ends stay where they are.
    expect(makeAxis([0, 10], { roundEnds: true }).ticks.map((t) => t.at)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
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

  it('spaces a config field as its colours are: log from one decade with logFrom', () => {
    const betas = [0.5, 2, 10];
    // The colour scale is log over these (10 ≥ logColorSpan); the field's axis follows it.
    expect(colorScale(betas).log).toBe(true);
    const axis = makeAxis(betas, { log: true, logFrom: logColorSpan, valueTicks: 10 });
    expect(axis.kind).toBe('log');
    expect(axis.position(2)).toBeCloseTo(Math.log(4) / Math.log(20), 12);
    // Under one decade, linear as its colours are.
    expect(colorScale([1, 9]).log).toBe(false);
    expect(makeAxis([1, 9], { log: true, logFrom: logColorSpan }).kind).toBe('linear');
    // Without it, a metric's axis waits for two decades.
    expect(makeAxis(betas, { log: true }).kind).toBe('linear');
  });

  it('colours and spaces a field its sweep drew log-uniformly on a log scale, whatever span the runs drawn cover', () => {
    // β drawn log-uniformly from [0.5, 16]: the runs drawn happen to cover 0.967 to 9.43, under a decade.
    const drawn = [0.967, 1.31, 2.02, 2.15, 9.43];
    expect(colorScale(drawn).log).toBe(false);
    const scale = colorScale(drawn, false, 'dark', true);
    expect(scale.log).toBe(true);
    // 2.02 and 2.15 told apart as far as their ratio is from 0.967 to 9.43's.
    expect(makeAxis(drawn, { log: true, logFrom: 1 }).kind).toBe('log');
    // Not a number below zero, though.
    expect(colorScale([-1, 2], false, 'dark', true).log).toBe(false);
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

  it('gives ticks enough digits to differ', () => {
    // A narrow range of test losses: three significant digits would read "232, 233, 233, 233".
    const labels = makeAxis([232.41, 233.18], { ticks: 4 }).ticks.map((t) => t.label);
    expect(labels).toEqual(['232.6', '232.8', '233']);
    expect(new Set(labels).size).toBe(labels.length);
    expect(tickLabels([0.5, 1, 2])).toEqual(['0.5', '1', '2']);
    expect(tickLabels([1.0001e-4, 1.0002e-4])).toEqual(['1.0001e-4', '1.0002e-4']);
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

describe('a run across parallel axes', () => {
  it('joins neighbouring values, bridges missing axes faintly, and marks a lone value', () => {
    const p = (x: number, y: number) => ({ x, y });
    expect(polylineAcross([p(0, 1), p(10, 2), p(20, 3)])).toEqual({
      solid: 'M0.0,1.0L10.0,2.0L20.0,3.0',
      gaps: '',
      dots: [],
    });
    // A run of another family: no value on the middle axes.
    expect(polylineAcross([p(0, 1), null, null, p(30, 4)])).toEqual({
      solid: '',
      gaps: 'M0.0,1.0L30.0,4.0',
      dots: [p(0, 1), p(30, 4)],
    });
    expect(polylineAcross([null, p(10, 2), null])).toEqual({ solid: '', gaps: '', dots: [p(10, 2)] });
    expect(polylineAcross([p(0, 1), p(10, 2), null, p(30, 3), p(40, 4)]).solid).toBe('M0.0,1.0L10.0,2.0M30.0,3.0L40.0,4.0');
  });

  it('cuts a title to its room, with an ellipsis', () => {
    expect(fitText('model.encoder[0].units', 62, 6.2)).toBe('model.enc…');
    expect(fitText('beta', 62, 6.2)).toBe('beta');
    expect(fitText('learning rate', 5, 6.2)).toBe('le…');
    expect(fitText('model.encoder[0].units', 62, 6.2, 'end')).toBe('…[0].units');
    // An axis title of words goes on two lines where one does not hold it: the layer over its field.
    expect(titleLines('encoder 1 units', 62, 6.2)).toEqual(['encoder 1', 'units']);
    expect(titleLines('decoder 2 activation', 50, 6.2)).toEqual(['decod… 2', '…ivation']);
    // Two layers' axes cut alike still differ by their place.
    expect(titleLines('encoder 1 units', 54.4, 6.8)).toEqual(['encod… 1', 'units']);
    expect(titleLines('encoder 2 units', 54.4, 6.8)).toEqual(['encod… 2', 'units']);
    expect(titleLines('beta', 62, 6.2)).toEqual(['beta']);
    expect(titleLines('training.learningRate', 62, 6.2)).toEqual(['…rningRate']);
    expect(titleLines('activation', 50, 6.2)).toEqual(['activat…']);
  });
});

import { describe, expect, it } from 'vitest';
import { elapsed, num, runFigure } from './format';

describe('elapsed', () => {
  const start = '2026-12-04T10:00:00.000Z';
  it('of a running run counts to the clock it is given, so the run view can tick it', () => {
    expect(elapsed(start, null, Date.parse('2026-12-04T10:00:07Z'))).toBe('7s');
    expect(elapsed(start, null, Date.parse('2026-12-04T10:01:05Z'))).toBe('1m 05s');
  });
  it('of an ended run is its span, whatever the clock', () => {
    expect(elapsed(start, '2026-12-04T10:00:42.000Z', Date.parse('2030-01-01T00:00:00Z'))).toBe('42s');
    expect(elapsed(null, null)).toBe('–');
  });
});

describe('a figure', () => {
  it('reads ∞ where a metric diverged, not the "–" of one that is missing (a sort and a filter take it as a value)', () => {
    expect([Infinity, -Infinity, Number.NaN, undefined, null, 0.5].map((v) => num(v))).toEqual([
      '∞',
      '−∞',
      '–',
      '–',
      '–',
      '0.5000',
    ]);
  });

  it('keeps its decimals below 1, and no more than five significant digits above (a loss in nats: 455.03)', () => {
    expect([0.08391, 1.5, 12.3456, 455.0312, 9999.94, 12345.6].map((v) => num(v))).toEqual([
      '0.0839',
      '1.5000',
      '12.346',
      '455.03',
      '9999.9',
      '12346',
    ]);
    // Where rounding carries into a new digit, still five: 9999.96 reads 10000, not 10000.0; 99999.6 in exponent form.
    expect([num(9999.96), num(999.996), num(99999.6), num(0.99996)]).toEqual(['10000', '1000.0', '1.00e+5', '1.0000']);
    // A declared metric's own decimals stay the most it shows.
    expect([num(463.1122, 2), num(0.75, 3), num(-455.0312)]).toEqual(['463.11', '0.750', '-455.03']);
  });
});

describe('the figure beside a run in a list', () => {
  const families = [
    {
      id: 'vae',
      lossUnit: 'nats per image',
      metrics: [{ name: 'neg_elbo', label: 'test −ELBO', unit: 'nats', comparable: true }],
    },
    { id: 'autoencoder', lossUnit: 'per pixel', metrics: [] },
  ] as unknown as Parameters<typeof runFigure>[1];
  const run = (family: string, metrics: [string, number][]) => ({
    family,
    latest: metrics.map(([name, value]) => ({ split: 'test' as const, name, value, step: 1 })),
  });
  it('is the figure measured alike whatever β where the family has one, else the test loss', () => {
    // Two β-VAEs' test losses weigh their KL by their own β: their −ELBOs compare.
    expect(
      runFigure(
        run('vae', [
          ['loss', 160.2],
          ['neg_elbo', 145.07],
        ]),
        families,
      ),
    ).toEqual({
      label: 'test −ELBO',
      value: '145.07',
      title: 'test −ELBO (nats): 145.07',
    });
    expect(runFigure(run('autoencoder', [['loss', 0.0504]]), families)).toMatchObject({ label: 'test loss', value: '0.0504' });
    // Before its first test figures (or under a loss without a likelihood): the test loss, or a dash.
    expect(runFigure(run('vae', []), families)).toMatchObject({ label: 'test loss', value: '–' });
  });
});

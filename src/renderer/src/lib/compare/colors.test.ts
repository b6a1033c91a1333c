import { describe, expect, it } from 'vitest';
import { categoricalPalette, colorScale, sequentialColor, seriesColor, textColor, withAlpha } from '../compare';

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

  it('gives numbers that name (seeds) a colour each, not a ramp on which 0, 1 and 2 look alike beside 1234', () => {
    const scale = colorScale([0, 1, 2, 42, 1234], true);
    expect(scale.kind).toBe('categorical');
    expect([0, 1, 2, 42, 1234].map((v) => scale.color(v))).toEqual(categoricalPalette.slice(0, 5));
    expect(scale.legend.map((l) => l.label)).toEqual(['0', '1', '2', '42', '1234']);
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

describe('a series colour as text', () => {
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5]
      .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  it('is darkened on a light panel until it reads (Turbo’s yellow-green), and kept on a dark one', () => {
    const green = sequentialColor(0.6);
    expect(luminance(green)).toBeGreaterThan(0.3);
    expect(luminance(textColor(green, 'light'))).toBeLessThanOrEqual(0.3);
    expect(textColor(green, 'dark')).toBe(green);
    // Turbo's deep red (β's highest value) and its blue are lightened on the dark panel, to about 3:1 against it.
    for (const end of [sequentialColor(1), sequentialColor(0)]) {
      expect(luminance(end)).toBeLessThan(0.14);
      expect(luminance(textColor(end, 'dark'))).toBeGreaterThanOrEqual(0.14);
      expect(textColor(end, 'light')).toBe(end);
    }
    // Already dark enough: as it is.
    expect(textColor('#1f4e9c', 'light')).toBe('#1f4e9c');
  });

  it('darkens curves, points, the legend and the gradient on the light panel alone, to at least 3:1 against white', () => {
    const values = Array.from({ length: 11 }, (_, i) => i / 10);
    const [light, dark] = [colorScale(values, false, 'light'), colorScale(values, false, 'dark')];
    // Turbo's yellow-greens (the middle of a β sweep) were near white's luminance on the light panel.
    expect(Math.max(...values.map((v) => luminance(dark.color(v))))).toBeGreaterThan(0.5);
    for (const v of values) {
      expect(luminance(light.color(v))).toBeLessThanOrEqual(0.3);
      expect(light.color(v)).toBe(seriesColor(dark.color(v), 'light'));
    }
    expect(light.legend.map((l) => l.color)).toEqual(dark.legend.map((l) => seriesColor(l.color, 'light')));
    expect(light.gradient).not.toBe(dark.gradient);
    expect(dark.color(0.5)).toBe(sequentialColor(0.5));
    // Tableau's yellow, a category's colour, likewise; a missing value's grey stays.
    const categories = colorScale(['a', 'b', 'c', 'd', 'e', 'f'], false, 'light');
    expect(luminance(categoricalPalette[5] as string)).toBeGreaterThan(0.3);
    expect(['a', 'b', 'c', 'd', 'e', 'f'].every((v) => luminance(categories.color(v)) <= 0.3)).toBe(true);
    expect(seriesColor('#edc948', 'dark')).toBe('#edc948');
  });
});

/** Colour scales for config values: a palette for categories, Turbo (linear or log) for numbers. */
import { palette10 } from '../palette';
import { compareValues, formatValue, keyOf, type ConfigValue } from './values';

/** Tableau 10: distinguishable categories on a dark background (the class colours of the run view). */
export const categoricalPalette: readonly string[] = palette10;

const hex2 = (x: number) =>
  Math.round(255 * Math.min(1, Math.max(0, x)))
    .toString(16)
    .padStart(2, '0');

/**
 * Turbo (Mikhail, Google AI 2019, polynomial approximation by its author), taken between 0.1 and 0.9 so both ends
 * stay bright on a dark panel: low values blue, middle green-yellow, high values red.
 */
export function sequentialColor(t: number): string {
  const u = 0.1 + 0.8 * Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const r = 0.13572138 + u * (4.6153926 + u * (-42.66032258 + u * (132.13108234 + u * (-152.94239396 + u * 59.28637943))));
  const g = 0.09140261 + u * (2.19418839 + u * (4.84296658 + u * (-14.18503333 + u * (4.27729857 + u * 2.82956604))));
  const b = 0.1066733 + u * (12.64194608 + u * (-60.58204836 + u * (110.36276771 + u * (-89.90310912 + u * 27.34824973))));
  return `#${hex2(r)}${hex2(g)}${hex2(b)}`;
}

export interface ColorScale {
  kind: 'continuous' | 'categorical';
  /** Continuous scales of positive values spanning ten times or more are logarithmic (β of 0.5, 2, 8 evenly spaced). */
  log: boolean;
  color(v: ConfigValue | undefined): string;
  /** What the legend lists: every value (up to 12), else five values spread over the scale. */
  legend: { label: string; color: string }[];
  /** A CSS gradient of a continuous scale, low to high. */
  gradient?: string;
}

const missingColor = '#8a9099';

/** Positive values whose greatest is at least this many times their least are coloured on a log scale. */
export const logColorSpan = 10;

/**
 * Numbers get a continuous scale; anything else (or a mix) a categorical one, values in order. `categorical`: numbers
 * that name rather than measure (a seed: 0, 1, 2 and 1234 are four runs alike, not three alike and one far off).
 * On the light theme's panel every colour (curves, points, legend, gradient) is darkened as `seriesColor` says.
 */
export function colorScale(
  values: readonly (ConfigValue | undefined)[],
  categorical = false,
  theme: 'light' | 'dark' = 'dark',
  /** Drawn on a log scale (a sweep's log-uniform range): log whatever the span, where every value is positive. */
  drawnLog = false,
): ColorScale {
  const onPanel = (color: string) => seriesColor(color, theme);
  const present = values.filter((v) => v !== undefined && v !== null);
  const distinct = [...new Map(present.map((v) => [keyOf(v), v])).values()].sort(compareValues);
  const numbers = distinct.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!categorical && numbers.length >= 2 && numbers.length === distinct.length) {
    const min = numbers[0] as number;
    const max = numbers[numbers.length - 1] as number;
    const log = min > 0 && (drawnLog || max / min >= logColorSpan);
    const position = (v: number) => (log ? Math.log(v / min) / Math.log(max / min) : (v - min) / (max - min));
    const color = (v: ConfigValue | undefined) => (typeof v === 'number' ? onPanel(sequentialColor(position(v))) : missingColor);
    const shown =
      numbers.length <= 12 ? numbers : [0, 0.25, 0.5, 0.75, 1].map((t) => (log ? min * (max / min) ** t : min + t * (max - min)));
    return {
      kind: 'continuous',
      log,
      color,
      legend: shown.map((v) => ({ label: formatValue(v), color: color(v) })),
      gradient: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => onPanel(sequentialColor(t))).join(', ')})`,
    };
  }
  const index = new Map(distinct.map((v, i) => [keyOf(v), i]));
  const color = (v: ConfigValue | undefined) => {
    const i = index.get(keyOf(v));
    return i === undefined ? missingColor : onPanel(categoricalPalette[i % categoricalPalette.length] as string);
  };
  return {
    kind: 'categorical',
    log: false,
    color,
    legend: distinct.slice(0, 12).map((v) => ({ label: formatValue(v), color: color(v) })),
  };
}

/** A colour with an alpha channel: #4e79a7 at 0.25 → #4e79a740. */
export function withAlpha(color: string, alpha: number): string {
  return `${color.slice(0, 7)}${hex2(alpha)}`;
}

/**
 * A series colour as text on the theme's panel, at about 3:1 against it (WCAG 2's relative luminance; 3:1 is what
 * WCAG 2.1 asks of large text and of graphics, 1.4.11): on a light panel a light colour (Turbo's yellow-greens) is
 * darkened until its luminance is at most 0.3; on the dark panel (#1b1e22) a dark one (Turbo's deep red, the blue)
 * is mixed towards white until it is at least 0.14.
 */
export function textColor(color: string, theme: 'light' | 'dark'): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  const rgb = [m[1], m[2], m[3]].map((h) => parseInt(h!, 16) / 255);
  const linear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = (c: number[]) => 0.2126 * linear(c[0]!) + 0.7152 * linear(c[1]!) + 0.0722 * linear(c[2]!);
  let scaled = rgb;
  if (theme === 'dark') {
    for (let k = 1; luminance(scaled) < 0.14 && k < 20; k++) scaled = rgb.map((c) => c + (1 - c) * 0.05 * k);
    return scaled === rgb ? color : `#${scaled.map((c) => hex2(c)).join('')}`;
  }
  for (let k = 1; luminance(scaled) > 0.3 && k < 20; k++) scaled = rgb.map((c) => c * (1 - 0.05 * k));
  return `#${scaled.map((c) => hex2(c)).join('')}`;
}

/**
 * A series colour as a curve or a point on the theme's panel: on the light panel darkened as text is (`textColor`),
 * so that Turbo's yellow-greens and Tableau's yellow stand out from white; on the dark panel as it is (the scales are
 * chosen for it).
 */
export function seriesColor(color: string, theme: 'light' | 'dark'): string {
  return theme === 'light' ? textColor(color, 'light') : color;
}

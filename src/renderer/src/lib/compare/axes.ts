/** Axes of parallel coordinates and scatter plots, and the placement of point labels. */
import { compareValues, formatValue, keyOf, type ConfigValue } from './values';

export interface Axis {
  kind: 'linear' | 'log' | 'category';
  /** Positive values spanning more than two decades: a log scale reads them better (learning rates). */
  canLog: boolean;
  /** 0 at the bottom (or left), 1 at the top (or right); null for a value the axis does not hold. */
  position(v: ConfigValue | undefined): number | null;
  ticks: { label: string; at: number }[];
}

/** 1, 2 or 5 times a power of ten: the tick step for about `count` ticks over [min, max]. */
export function niceStep(min: number, max: number, count = 5): number {
  const raw = (max - min) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power;
}

/** Round numbers between min and max, both included when they fall on a step. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step = niceStep(min, max, count);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/**
 * Tick labels with enough digits to tell them apart: the short form (3 significant digits) where that differs
 * from its neighbours, else more digits for all, so 232.5 and 233 do not both read "233".
 */
export function tickLabels(values: readonly number[]): string[] {
  const short = values.map((v) => formatValue(v));
  if (new Set(short).size === short.length) return short;
  for (let digits = 4; digits <= 12; digits++) {
    const labels = values.map((v) => {
      const abs = Math.abs(v);
      if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(digits - 1).replace('e+', 'e');
      return String(Number(v.toPrecision(digits)));
    });
    if (new Set(labels).size === labels.length) return labels;
  }
  return values.map((v) => String(v));
}

export interface AxisOptions {
  /** Log scale, where the values allow one (see `canLog`). */
  log?: boolean;
  /**
   * The least ratio of greatest to least value (all positive) that allows a log scale (by default, more than 100);
   * a config field's axis takes the colour scale's `logColorSpan`, so a β swept over 0.5–10 is spaced as it is coloured.
   */
  logFrom?: number;
  /** About how many round ticks a numeric axis gets. */
  ticks?: number;
  /** Ticks at the values themselves when there are at most this many (a sweep's grid: 0.25, 0.5, 1, 2). */
  valueTicks?: number;
  /** Ticks closer than this (in axis units, 0..1) to the one below are left out; the top one is always kept. */
  minTickGap?: number;
  /**
   * A linear axis reaches out to the round ticks at or beyond its least and greatest values (a scatter's frame), so
   * a point at either end has a tick to be read against; without it the axis spans the values alone.
   */
  roundEnds?: boolean;
}

/** Leaves out ticks too close to the one kept below them, keeping the last: labels that would overlap. */
export function thinTicks<T extends { at: number }>(ticks: readonly T[], minGap: number): T[] {
  const kept: T[] = [];
  for (const t of ticks) {
    const last = kept[kept.length - 1];
    if (!last || t.at - last.at >= minGap) kept.push(t);
  }
  const top = ticks[ticks.length - 1];
  if (top && kept[kept.length - 1] !== top) {
    kept.pop();
    const below = kept[kept.length - 1];
    if (below && top.at - below.at < minGap) kept.pop();
    kept.push(top);
  }
  return kept;
}

/**
 * An axis over the values of one field or metric: numbers on a linear scale (or a log one when asked and they
 * span more than two decades, or `logFrom`, all positive), anything else as categories evenly spaced in their order.
 */
export function makeAxis(values: readonly (ConfigValue | undefined)[], options: AxisOptions = {}): Axis {
  const present = values.filter((v) => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v));
  const gap = options.minTickGap ?? 0;
  if (numeric) {
    const nums = present as number[];
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    const canLog = min > 0 && (options.logFrom === undefined ? max / min > 100 : max / min >= options.logFrom);
    if (min === max) {
      return { kind: 'linear', canLog, position: (v) => (v === min ? 0.5 : null), ticks: [{ label: formatValue(min), at: 0.5 }] };
    }
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    const atValues = distinct.length <= (options.valueTicks ?? 0);
    if (canLog && options.log) {
      const lmin = Math.log10(min);
      const span = Math.log10(max) - lmin;
      const position = (v: ConfigValue | undefined) => (typeof v === 'number' && v > 0 ? (Math.log10(v) - lmin) / span : null);
      const decades: number[] = [];
      for (let e = Math.ceil(lmin - 1e-9); e <= Math.log10(max) + 1e-9; e++) decades.push(10 ** e);
      const at = atValues ? distinct : decades;
      const names = tickLabels(at);
      const ticks = at.map((v, i) => ({ label: names[i] ?? formatValue(v), at: position(v) ?? 0 }));
      return { kind: 'log', canLog, position, ticks: thinTicks(ticks, gap) };
    }
    const step = niceStep(min, max, options.ticks ?? 5);
    const rounded = options.roundEnds === true && !atValues;
    const [low, high] = rounded
      ? [
          Number((Math.floor(min / step + 1e-9) * step).toPrecision(12)),
          Number((Math.ceil(max / step - 1e-9) * step).toPrecision(12)),
        ]
      : [min, max];
    const position = (v: ConfigValue | undefined) =>
      typeof v === 'number' && Number.isFinite(v) ? (v - low) / (high - low) : null;
    // Round ends are ticked at the step they were rounded to (a new step over the wider span could miss them).
    const at = atValues
      ? distinct
      : rounded
        ? Array.from({ length: Math.round((high - low) / step) + 1 }, (_, i) => Number((low + i * step).toPrecision(12)))
        : niceTicks(low, high, options.ticks ?? 5);
    const names = tickLabels(at);
    const ticks = at.map((t, i) => ({ label: names[i] ?? formatValue(t), at: position(t) ?? 0 }));
    return { kind: 'linear', canLog, position, ticks: thinTicks(ticks, gap) };
  }
  const categories = [...new Map(present.map((v) => [keyOf(v), v])).values()].sort(compareValues);
  const index = new Map(categories.map((v, i) => [keyOf(v), i]));
  const at = (i: number) => (categories.length === 1 ? 0.5 : i / (categories.length - 1));
  return {
    kind: 'category',
    canLog: false,
    position: (v) => {
      const i = index.get(keyOf(v));
      return i === undefined ? null : at(i);
    },
    ticks: thinTicks(
      categories.map((v, i) => ({ label: formatValue(v), at: at(i) })),
      gap,
    ),
  };
}

// ---- labels

export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LabelOptions {
  charWidth?: number;
  height?: number;
  gap?: number;
  /** A label is left out when the same text sits on a point this close (px): replicates in a cluster are named once. */
  repeatDistance?: number;
  /** Points drawn this large (px) are kept clear of labels where a spot allows; 0 lets labels cover points. */
  pointRadius?: number;
}

/**
 * Greedy label placement for a scatter: each point's label goes right of it, else left, above or below, at the
 * first spot inside the plot that overlaps no label placed before and, with `pointRadius`, covers no point (trying
 * a wider ring next, then allowing points to be covered); a label that fits nowhere is left out (hovering the
 * point names it). Points are taken in order.
 */
export function placeLabels(
  points: readonly { x: number; y: number; text: string }[],
  bounds: { width: number; height: number },
  { charWidth = 6.2, height = 12, gap = 5, repeatDistance = 0, pointRadius = 0 }: LabelOptions = {},
): (LabelBox | null)[] {
  const placed: LabelBox[] = [];
  const named: { x: number; y: number; text: string }[] = [];
  const overlaps = (a: LabelBox, b: LabelBox) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const dots = points.map((q) => ({
    x: q.x - pointRadius,
    y: q.y - pointRadius,
    width: 2 * pointRadius,
    height: 2 * pointRadius,
  }));
  return points.map((p) => {
    if (named.some((q) => q.text === p.text && Math.hypot(q.x - p.x, q.y - p.y) < repeatDistance)) return null;
    const width = p.text.length * charWidth;
    const ring = (extra: number): LabelBox[] => [
      { x: p.x + gap + extra, y: p.y - height / 2, width, height },
      { x: p.x - gap - extra - width, y: p.y - height / 2, width, height },
      // Above and below clear the row the side labels take.
      { x: p.x - width / 2, y: p.y - 1.5 * height - extra, width, height },
      { x: p.x - width / 2, y: p.y + height / 2 + extra, width, height },
    ];
    const inside = (c: LabelBox) =>
      c.x >= 0 &&
      c.y >= 0 &&
      c.x + c.width <= bounds.width &&
      c.y + c.height <= bounds.height &&
      !placed.some((q) => overlaps(c, q));
    const clear = (c: LabelBox) => inside(c) && !dots.some((d) => overlaps(c, d));
    const near = ring(0);
    const box =
      pointRadius > 0 ? (near.find(clear) ?? ring(2 * pointRadius + gap).find(clear) ?? near.find(inside)) : near.find(inside);
    if (!box) return null;
    placed.push(box);
    named.push(p);
    return box;
  });
}

/**
 * `text` cut to what `width` pixels hold at `charWidth` a character (three characters at least), with an ellipsis
 * where it was cut: its end kept for a config path (`…[0].units` says more than `model.enc…`), its start otherwise.
 */
export function fitText(text: string, width: number, charWidth = 6.2, keep: 'start' | 'end' = 'start'): string {
  const chars = Math.max(3, Math.floor(width / charWidth));
  if (text.length <= chars) return text;
  return keep === 'start' ? `${text.slice(0, chars - 1)}…` : `…${text.slice(text.length - chars + 1)}`;
}

/**
 * An axis title in the lines `width` pixels hold: whole where it fits; else, where it has words, its last word on a
 * line of its own under the rest ("encoder 1" over "units"), each cut to fit; else cut, a path keeping its end.
 */
export function titleLines(text: string, width: number, charWidth = 6.2): string[] {
  const chars = Math.max(3, Math.floor(width / charWidth));
  if (text.length <= chars) return [text];
  const space = text.lastIndexOf(' ');
  // A layer's place is what tells its axes apart: "encoder 1" cut keeps its number (encod… 1).
  const numbered = /^(.*\S) (\d+)$/.exec(text.slice(0, space));
  if (space > 0 && numbered && numbered[0].length > chars) {
    const [, word = '', place = ''] = numbered;
    const head = fitText(word, (chars - place.length - 1) * charWidth, charWidth);
    return [`${head} ${place}`, fitText(text.slice(space + 1), width, charWidth, 'end')];
  }
  // A config path keeps its end (…learningRate), a word its start (activat…).
  if (space <= 0) return [fitText(text, width, charWidth, /[.[\]]/.test(text) ? 'end' : 'start')];
  return [fitText(text.slice(0, space), width, charWidth), fitText(text.slice(space + 1), width, charWidth, 'end')];
}

/**
 * A run's polyline across parallel axes (each point's height, or null where the run has no value there): `solid`
 * joins neighbouring axes that both hold a value, `gaps` bridges the axes it lacks (drawn faintly, so a run of
 * another family is not dropped from the picture), and `dots` marks a value with no neighbour to join.
 */
export function polylineAcross(points: readonly ({ x: number; y: number } | null)[]): {
  solid: string;
  gaps: string;
  dots: { x: number; y: number }[];
} {
  const at = (p: { x: number; y: number }) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`;
  let solid = '';
  let gaps = '';
  const dots: { x: number; y: number }[] = [];
  let previous: { x: number; y: number; index: number } | null = null;
  let solidEnd = -1;
  points.forEach((p, i) => {
    if (!p) return;
    if (previous && previous.index === i - 1) {
      solid += `${solidEnd === i - 1 ? '' : `M${at(previous)}`}L${at(p)}`;
      solidEnd = i;
    } else if (previous) gaps += `M${at(previous)}L${at(p)}`;
    previous = { ...p, index: i };
  });
  points.forEach((p, i) => {
    if (p && !points[i - 1] && !points[i + 1]) dots.push(p);
  });
  return { solid, gaps, dots };
}

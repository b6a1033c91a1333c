/**
 * Drawing a projection: colours (a categorical palette for labels, viridis for a continuous factor), the map from
 * data to screen (fit, then pan and zoom as a transform), axis ticks, and a rasterizer that writes the points straight
 * into an ImageData buffer, so 10,000 points cost one pass over an array rather than 10,000 canvas calls.
 */
import { tableau20 } from './palette';

/** Tableau 20 (lib/palette.ts); beyond twenty labels, hues spaced by the golden angle. */
const categorical = tableau20;

export function categoryColor(i: number): string {
  if (i < categorical.length) return categorical[i]!;
  return `hsl(${Math.round((i * 137.508) % 360)} 65% 62%)`;
}

/** Viridis at 9 stops (matplotlib's), interpolated linearly. */
const viridisStops: [number, number, number][] = [
  [68, 1, 84],
  [71, 44, 122],
  [59, 81, 139],
  [44, 113, 142],
  [33, 144, 141],
  [39, 173, 129],
  [92, 200, 99],
  [170, 220, 50],
  [253, 231, 37],
];

/** Viridis at t in [0, 1], as [r, g, b]. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (viridisStops.length - 1);
  const i = Math.min(viridisStops.length - 2, Math.floor(x));
  const f = x - i;
  const a = viridisStops[i]!;
  const b = viridisStops[i + 1]!;
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

export function cssRgb([r, g, b]: [number, number, number]): string {
  return `rgb(${r} ${g} ${b})`;
}

/** [r, g, b] of a `#rrggbb` or `hsl(h s% l%)` colour. */
export function parseColor(color: string): [number, number, number] {
  if (color.startsWith('#')) {
    const v = parseInt(color.slice(1), 16);
    return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  }
  const m = /hsl\((\d+(?:\.\d+)?) (\d+)% (\d+)%\)/.exec(color);
  if (!m) return [200, 200, 200];
  const h = Number(m[1]) / 360;
  const s = Number(m[2]) / 100;
  const l = Number(m[3]) / 100;
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  const p = 2 * l - q;
  const channel = (t: number) => {
    const u = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    const v = u < 1 / 6 ? p + (q - p) * 6 * u : u < 1 / 2 ? q : u < 2 / 3 ? p + (q - p) * (2 / 3 - u) * 6 : p;
    return Math.round(v * 255);
  };
  return [channel(h + 1 / 3), channel(h), channel(h - 1 / 3)];
}

/** One pixel of an ImageData viewed as a Uint32Array (little-endian: r in the low byte). */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Screen position (CSS pixels from the canvas's top-left) of data (x, y): X = x·sx + ox, Y = y·sy + oy. */
export interface View {
  sx: number;
  sy: number;
  ox: number;
  oy: number;
}

export interface Bounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
}

export function boundsOf(xy: Float32Array): Bounds {
  const b = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  for (let k = 0; k < xy.length; k += 2) {
    const x = xy[k]!;
    const y = xy[k + 1]!;
    if (x < b.minX) b.minX = x;
    if (x > b.maxX) b.maxX = x;
    if (y < b.minY) b.minY = y;
    if (y > b.maxY) b.maxY = y;
  }
  if (!Number.isFinite(b.minX)) return { minX: -1, maxX: 1, minY: -1, maxY: 1 };
  return b;
}

/** The view that shows all of `bounds` inside the plot area, same scale on both axes, y up. */
export function fitView(bounds: Bounds, area: { left: number; top: number; width: number; height: number }): View {
  const w = Math.max(bounds.maxX - bounds.minX, 1e-9);
  const h = Math.max(bounds.maxY - bounds.minY, 1e-9);
  const s = Math.min(area.width / w, area.height / h) * 0.94;
  const cx = (bounds.minX + bounds.maxX) / 2;
  const cy = (bounds.minY + bounds.maxY) / 2;
  return { sx: s, sy: -s, ox: area.left + area.width / 2 - cx * s, oy: area.top + area.height / 2 + cy * s };
}

/** The view zoomed by `factor` about the screen point (px, py). */
export function zoomView(v: View, factor: number, px: number, py: number): View {
  return { sx: v.sx * factor, sy: v.sy * factor, ox: px - (px - v.ox) * factor, oy: py - (py - v.oy) * factor };
}

export function toData(v: View, px: number, py: number): [number, number] {
  return [(px - v.ox) / v.sx, (py - v.oy) / v.sy];
}

/** About `count` round numbers (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const e = raw / power;
  const step = (e >= 7.07 ? 10 : e >= 3.16 ? 5 : e >= 1.41 ? 2 : 1) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

export function tickLabel(t: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return t.toFixed(decimals);
}

/**
 * Writes each point as a size × size square of its colour into `pixels` (width × height, row-major), in order; with
 * `front`, the points it marks are written last, over the others. `view` is in device pixels.
 */
export function rasterize(
  pixels: Uint32Array,
  width: number,
  height: number,
  xy: Float32Array,
  colors: Uint32Array,
  view: View,
  size: number,
  front: Uint8Array | null = null,
): number {
  pixels.fill(0);
  const half = size / 2;
  let drawn = 0;
  const pass = (wanted: number) => {
    for (let k = 0; k < colors.length; k++) {
      if (front && front[k] !== wanted) continue;
      const x0 = Math.round(xy[2 * k]! * view.sx + view.ox - half);
      const y0 = Math.round(xy[2 * k + 1]! * view.sy + view.oy - half);
      if (x0 >= width || y0 >= height || x0 + size <= 0 || y0 + size <= 0) continue;
      drawn++;
      const color = colors[k]!;
      const xa = Math.max(0, x0);
      const xb = Math.min(width, x0 + size);
      for (let y = Math.max(0, y0); y < Math.min(height, y0 + size); y++) pixels.fill(color, y * width + xa, y * width + xb);
    }
  };
  pass(0);
  if (front) pass(1);
  return drawn;
}

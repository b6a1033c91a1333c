/**
 * The pictures of an evaluation's grids: the confusion matrix ordered by the Hungarian matching of clusters to labels,
 * and the heat ramp both it and the mutual-information map are drawn with.
 */

// ---------------------------------------------------------------------------------------------- confusion matrix

/**
 * A maximum-weight one-to-one assignment of rows to columns (Kuhn–Munkres with potentials, O(n³)), rectangular
 * matrices padded with zeros: match[r] is the column of row r, or -1 for a row left without one.
 */
export function maximumAssignment(weights: readonly (readonly number[])[]): number[] {
  const rows = weights.length;
  const cols = rows === 0 ? 0 : Math.max(...weights.map((r) => r.length));
  const n = Math.max(rows, cols);
  if (n === 0) return [];
  const top = Math.max(0, ...weights.flat());
  const cost = (r: number, c: number) => top - (weights[r]?.[c] ?? 0);
  // 1-based arrays, as in the classic formulation: p[c] is the row matched to column c.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const match = Array.from({ length: rows }, () => -1);
  for (let j = 1; j <= n; j++) {
    const r = p[j]! - 1;
    if (r < rows && j - 1 < cols) match[r] = j - 1;
  }
  return match;
}

export interface OrderedConfusion {
  /** Row labels in ascending order, and each row's counts in the columns' display order. */
  labels: number[];
  clusters: number[];
  counts: number[][];
  /** The column matched to each row (-1: none): on the diagonal where clusters and labels are as many. */
  matchedColumn: number[];
  rowTotals: number[];
  total: number;
  /** The share of images in a cluster matched to their label: the ACC the matrix gives. */
  accuracy: number;
}

/**
 * The confusion matrix as the run view draws it: labels in order down the rows, and the clusters across in the order
 * of the labels they are matched to (so the matched cells lie on the diagonal), clusters left unmatched after them
 * by the label most of their images have.
 */
export function orderConfusion(m: { labels: number[]; clusters: number[]; counts: number[][] }): OrderedConfusion {
  const rowOrder = m.labels.map((_, i) => i).sort((a, b) => m.labels[a]! - m.labels[b]!);
  const counts = rowOrder.map((r) => m.counts[r] ?? []);
  const match = maximumAssignment(counts);
  const taken = new Set(match.filter((c) => c >= 0));
  const argmaxRow = (c: number) => counts.reduce((best, row, r) => ((row[c] ?? 0) > (counts[best]?.[c] ?? 0) ? r : best), 0);
  const rest = m.clusters
    .map((_, c) => c)
    .filter((c) => !taken.has(c))
    .sort((a, b) => argmaxRow(a) - argmaxRow(b) || a - b);
  const colOrder = [...match.filter((c) => c >= 0), ...rest];
  const ordered = counts.map((row) => colOrder.map((c) => row[c] ?? 0));
  const rowTotals = ordered.map((row) => row.reduce((a, b) => a + b, 0));
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const matchedColumn = match.map((c) => (c >= 0 ? colOrder.indexOf(c) : -1));
  const matched = matchedColumn.reduce((sum, c, r) => sum + (c >= 0 ? (ordered[r]![c] ?? 0) : 0), 0);
  return {
    labels: rowOrder.map((r) => m.labels[r]!),
    clusters: colOrder.map((c) => m.clusters[c]!),
    counts: ordered,
    matchedColumn,
    rowTotals,
    total,
    accuracy: total > 0 ? matched / total : 0,
  };
}

// ---------------------------------------------------------------------------------------------- heat maps

/** The dark theme's ramp: from the panel's dark grey through the accent blue to near white. */
const darkRamp = [
  [0x20, 0x24, 0x2a],
  [0x1b, 0x3a, 0x5e],
  [0x23, 0x5f, 0x9e],
  [0x4e, 0x9a, 0xf1],
  [0xa9, 0xd2, 0xff],
  [0xf2, 0xf8, 0xff],
] as const;
/** The light theme's: from near the panel's white through the accent blue to deep navy (an empty cell stays light). */
const lightRamp = [
  [0xf1, 0xf4, 0xf8],
  [0xd2, 0xe3, 0xf6],
  [0x9c, 0xc3, 0xec],
  [0x4f, 0x8f, 0xd6],
  [0x23, 0x5f, 0x9e],
  [0x0f, 0x2d, 0x52],
] as const;

export type HeatTheme = 'light' | 'dark';

/** A heat map's colour for t in [0, 1], on the theme's ramp: the low end is the panel's, the high end its opposite. */
export function heatColor(t: number, theme: HeatTheme = 'dark'): string {
  const ramp = theme === 'light' ? lightRamp : darkRamp;
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (ramp.length - 1);
  const i = Math.min(ramp.length - 2, Math.floor(x));
  const f = x - i;
  const a = ramp[i]!;
  const b = ramp[i + 1]!;
  return `#${[0, 1, 2]
    .map((k) =>
      Math.round(a[k]! + f * (b[k]! - a[k]!))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** Text on a heat-map cell: dark on the ramp's light part, light on its dark part. */
export function heatInk(t: number, theme: HeatTheme = 'dark'): string {
  const lightCell = theme === 'light' ? t < 0.5 : t > 0.62;
  return lightCell ? '#0b1320' : '#e6e8eb';
}

/** A CSS gradient of the theme's ramp, low to high, for legends. */
export const heatGradient = (theme: HeatTheme = 'dark') =>
  `linear-gradient(to right, ${[0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => heatColor(t, theme)).join(', ')})`;

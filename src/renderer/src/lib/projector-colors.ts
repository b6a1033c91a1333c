/**
 * The projector's colours, from the codes' labels and factors: what the points may be coloured by, the legend's
 * entries, a factor's range, and each drawn point's packed colour (dimmed outside a selection). The scales themselves
 * (the categorical palette, viridis) are in projection-draw.ts.
 */
import { categoryColor, packRgba, parseColor, viridis } from './projection-draw';

/** A label in the legend: its swatch, and how many drawn points carry it. */
export type LegendEntry = { value: number; name: string; color: string; count: number };

/** The range of one factor over every code. */
export type FactorRange = { name: string; min: number; max: number };

/** What the points may be coloured by: the label (where there are labels), the cluster (a clustering model's), each factor, or nothing. */
export function colorChoices(
  hasLabels: boolean,
  factorNames: readonly string[],
  hasClusters = false,
): { value: string; label: string }[] {
  const out: { value: string; label: string }[] = [];
  if (hasLabels) out.push({ value: 'label', label: 'label' });
  if (hasClusters) out.push({ value: 'cluster', label: 'cluster' });
  factorNames.forEach((name, f) => out.push({ value: `factor:${f}`, label: `factor: ${name}` }));
  out.push({ value: 'none', label: 'none' });
  return out;
}

/** The factor a colour choice names (`factor:2` → 2), or -1. */
export function factorIndexOf(colorBy: string): number {
  return colorBy.startsWith('factor:') ? Number(colorBy.slice(7)) : -1;
}

/** One entry per label (or cluster) value among the drawn points (ascending), with its colour and count. */
export function legendEntries(
  indices: ArrayLike<number> & Iterable<number>,
  labels: readonly number[],
  labelName: (value: number) => string,
): LegendEntry[] {
  const counts = new Map<number, number>();
  for (const i of indices) counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([value, count]) => ({ value, name: labelName(value), color: categoryColor(value), count }));
}

/** Factor `f`'s least and greatest value over `count` codes (`factors`: count × names.length, row-major). */
export function factorRange(factors: Float32Array, count: number, names: readonly string[], f: number): FactorRange {
  const n = names.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = factors[i * n + f]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { name: names[f] ?? '', min, max };
}

export interface ColorSource {
  /** The drawn test indices. */
  indices: Uint32Array;
  labels: readonly number[] | null;
  /** Each code's cluster (a clustering model's), or null. */
  clusters?: readonly number[] | null;
  factors: Float32Array | null;
  /** How many factors each code has. */
  factorCount: number;
  /** `label`, `cluster`, `factor:<f>` or `none`. */
  colorBy: string;
  factorIndex: number;
  range: FactorRange | null;
  /** The selected test indices: the others are dimmed when there are any. */
  selected: ReadonlySet<number>;
}

/** Each drawn point's colour, dimmed outside the selection when there is one. */
export function pointColors(s: ColorSource): Uint32Array {
  const out = new Uint32Array(s.indices.length);
  const palette: ([number, number, number] | undefined)[] = [];
  const nf = s.factorCount;
  const range = s.range;
  s.indices.forEach((i, k) => {
    let rgb: [number, number, number] = [160, 178, 196];
    const category = s.colorBy === 'label' ? s.labels : s.colorBy === 'cluster' ? s.clusters : null;
    if (category) {
      const v = category[i]!;
      rgb = palette[v] ??= parseColor(categoryColor(v));
    } else if (range && s.factors) {
      const span = range.max - range.min || 1;
      rgb = viridis((s.factors[i * nf + s.factorIndex]! - range.min) / span);
    }
    const dim = s.selected.size > 0 && !s.selected.has(i);
    out[k] = dim ? packRgba(rgb[0], rgb[1], rgb[2], 45) : packRgba(rgb[0], rgb[1], rgb[2]);
  });
  return out;
}

/** 1 for each drawn point in the selection (drawn last, over the others), or null when nothing is selected. */
export function frontMask(indices: Uint32Array, selected: ReadonlySet<number>): Uint8Array | null {
  if (selected.size === 0) return null;
  return Uint8Array.from(indices, (i) => (selected.has(i) ? 1 : 0));
}

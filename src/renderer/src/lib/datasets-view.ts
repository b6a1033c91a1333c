/** The data sets view's pure parts: what its list, facts, image grid and pairing card show. */
import type { DatasetInfo, DatasetSample, FamilyInfo, GenerateRequest } from '../../../shared/api';
import { bytes, count } from './format';

/** Images shown per page of the grid. */
export const samplePageSize = 48;

/** A family that trains on a pair of sets, with what its spec says of the pair. */
export interface PairingFamily {
  id: string;
  pairing: NonNullable<FamilyInfo['datasetPairing']>;
}

/** The families that train on a pair of sets (they declare `datasetPairing`), offered for the selected set. */
export function pairingFamilies(families: readonly FamilyInfo[]): PairingFamily[] {
  return families.flatMap((f) => (f.datasetPairing ? [{ id: f.id, pairing: f.datasetPairing }] : []));
}

/** The sets that may come second to `selected`: the other available sets of the same image size. */
export function pairableSets(datasets: readonly DatasetInfo[], selected: DatasetInfo | undefined): DatasetInfo[] {
  return datasets.filter(
    (d) =>
      selected &&
      d.name !== selected.name &&
      d.available &&
      d.height === selected.height &&
      d.width === selected.width &&
      d.channels === selected.channels,
  );
}

export function labelOf(d: DatasetInfo, label: number | null): string {
  if (label === null) return '';
  return d.labelNames?.[label] ?? String(label);
}

export function factorText(d: DatasetInfo, f: number[] | null): string {
  if (!f) return '';
  return d.factors.map((def, i) => `${def.name} ${Number(f[i]?.toFixed(3))}`).join(', ');
}

/** An image's tooltip in the grid: its index, label and factors. */
export function sampleTitle(d: DatasetInfo, s: DatasetSample): string {
  return `#${s.index} ${labelOf(d, s.label)} ${factorText(d, s.factors)}`.trim();
}

export function statusOf(d: DatasetInfo): string {
  if (!d.available) return 'not installed';
  if (!d.stored) return 'generated on first use';
  return bytes(d.sizeBytes);
}

/** The facts table's labels row: how many, and the first twelve names. */
export function labelsText(d: DatasetInfo): string {
  return d.classes > 0 ? `${d.classes}: ${(d.labelNames ?? []).slice(0, 12).join(', ')}${d.classes > 12 ? ', …' : ''}` : 'none';
}

/** The images of the page shown ("1–48 of 108"), or nothing before the first page has been read. */
export function sampleRangeText(offset: number, pageSize: number, total: number): string {
  return total > 0 ? `${offset + 1}–${Math.min(offset + pageSize, total)} of ${count(total)}` : '';
}

/** What "Generate now" asks for: a not-yet-written generated set under its default name, seed 0, at its listed size. */
export function defaultGeneration(d: DatasetInfo): GenerateRequest {
  const generator = d.name.startsWith('faces') ? 'faces' : 'shapes';
  return { generator, seed: 0, count: d.trainCount + d.testCount, name: generator };
}

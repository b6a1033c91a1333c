/** Grouping runs: by a field, or as replicates of one config that differ only by seed. */
import {
  bookkeepingPaths,
  compareValues,
  fieldLabels,
  formatValue,
  keyOf,
  seedPath,
  type CompareRow,
  type ConfigValue,
} from './values';

export type GroupBy = { kind: 'none' } | { kind: 'field'; path: string } | { kind: 'except-seed' };

export interface RunGroup {
  key: string;
  label: string;
  runIds: number[];
  /** The grouping fields' values the group's runs share. */
  values: Record<string, ConfigValue | undefined>;
}

/** The differing fields that configure a model (not its name, experiment or seed): what "same config except seed" compares. */
export function configFieldsExceptSeed(fields: readonly string[]): string[] {
  return fields.filter((f) => f !== seedPath && !bookkeepingPaths.includes(f));
}

/**
 * Runs grouped: each alone, by one field's value, or by every differing field but the seed (replicates of one
 * config). Groups are ordered by their values (numbers ascending), runs inside by id.
 */
export function groupRuns(rows: readonly CompareRow[], by: GroupBy, fields: readonly string[]): RunGroup[] {
  if (by.kind === 'none') {
    return [...rows]
      .sort((a, b) => a.id - b.id)
      .map((r) => ({ key: `run:${r.id}`, label: `#${r.id} ${r.name}`, runIds: [r.id], values: {} }));
  }
  const paths = by.kind === 'field' ? [by.path] : configFieldsExceptSeed(fields);
  const labels = fieldLabels(paths);
  // Replicates of one config are runs of one family too: the family is not among the differing config fields (the
  // table shows it in a column of its own), and a VAE and a CVAE can share every field.
  const byFamily = by.kind === 'except-seed' && new Set(rows.map((r) => r.family)).size > 1;
  const groups = new Map<string, RunGroup & { family: string }>();
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    const values = Object.fromEntries(paths.map((p) => [p, row.config[p]]));
    const family = byFamily ? (row.family ?? '') : '';
    const valueKeys = paths.map((p) => keyOf(row.config[p]));
    const key = JSON.stringify(byFamily ? [family, ...valueKeys] : valueKeys);
    const group = groups.get(key);
    if (group) group.runIds.push(row.id);
    else {
      const parts = [...(byFamily ? [family] : []), ...paths.map((p) => `${labels[p]}=${formatValue(values[p])}`)];
      groups.set(key, { key, label: parts.length === 0 ? 'all runs' : parts.join(' '), runIds: [row.id], values, family });
    }
  }
  return [...groups.values()]
    .sort((a, b) => {
      if (a.family !== b.family) return a.family < b.family ? -1 : 1;
      for (const p of paths) {
        const c = compareValues(a.values[p], b.values[p]);
        if (c !== 0) return c;
      }
      return 0;
    })
    .map(({ family: _family, ...group }) => group);
}

/** The first of these runs in each group (in the runs' order), and runs in no group: one tile per config. */
export function firstOfEachGroup<R extends { id: number }>(rows: readonly R[], groups: readonly RunGroup[]): R[] {
  const groupOf = new Map(groups.flatMap((g) => g.runIds.map((id) => [id, g.key] as const)));
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = groupOf.get(r.id);
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Replicates of one config are grouped by default: when grouping all but the seed joins some runs, else none. */
export function defaultGroupBy(rows: readonly CompareRow[], fields: readonly string[]): GroupBy {
  if (!fields.includes(seedPath)) return { kind: 'none' };
  return groupRuns(rows, { kind: 'except-seed' }, fields).length < rows.length ? { kind: 'except-seed' } : { kind: 'none' };
}

/**
 * The field to colour by: of the differing fields that configure the runs, one that defines the loss (`scaling`: a
 * β the comparison judges runs across), else the one whose values tell the most runs apart (the first of equals);
 * else the seed, else none (each run its own colour).
 */
export function defaultColorBy(
  fields: readonly string[],
  rows: readonly Pick<CompareRow, 'config'>[] = [],
  scaling: readonly string[] = [],
): string | undefined {
  const candidates = configFieldsExceptSeed(fields);
  // Runs of several families are told apart by their family first.
  if (candidates.includes('family')) return 'family';
  const distinct = (f: string) => new Set(rows.map((r) => keyOf(r.config[f]))).size;
  const best = (among: readonly string[]) =>
    among.reduce<string | undefined>((b, f) => (b === undefined || distinct(f) > distinct(b) ? f : b), undefined);
  return (
    best(candidates.filter((f) => scaling.includes(f))) ?? best(candidates) ?? (fields.includes(seedPath) ? seedPath : undefined)
  );
}

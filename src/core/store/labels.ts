/** Runs' and sweeps' labels (name, tags, notes, star): read from their rows, changed in one statement. */
import type { Labels } from '../../shared/labels';
import type { Db } from './db';
import { stmt } from './statements';

export interface LabelColumns {
  tags_json: string;
  notes: string;
  starred: number;
}

export function labelsOf(row: LabelColumns): Labels {
  return { tags: JSON.parse(row.tags_json) as string[], notes: row.notes, starred: row.starred === 1 };
}

export interface LabelsUpdate {
  name?: string | undefined;
  tags?: string[] | undefined;
  notes?: string | undefined;
  starred?: boolean | undefined;
}

/**
 * Tags as the studio already spells them: a tag another run or sweep has in another case (Baseline, where baseline
 * is in use) takes that spelling, so that one tag is not listed, counted and exported as two. The record's own tags
 * are not consulted, so a tag only it has can change its case.
 */
function spelledAsInUse(db: Db, table: 'runs' | 'sweeps', id: number, tags: readonly string[]): string[] {
  const inUse = new Map<string, string>();
  const rows = stmt<[string, number], { tag: string }>(
    db,
    `SELECT t.value AS tag FROM (SELECT tags_json, id AS owner, 'runs' AS kind FROM runs
       UNION ALL SELECT tags_json, id, 'sweeps' FROM sweeps) AS o, json_each(o.tags_json) AS t
       WHERE NOT (o.kind = ? AND o.owner = ?) ORDER BY o.kind, o.owner`,
  ).all(table, id);
  for (const { tag } of rows) if (!inUse.has(tag.toLowerCase())) inUse.set(tag.toLowerCase(), tag);
  return tags.map((t) => inUse.get(t.toLowerCase()) ?? t);
}

/** Sets the given labels of a run or a sweep; false when it does not exist. */
export function setLabels(db: Db, table: 'runs' | 'sweeps', id: number, change: LabelsUpdate): boolean {
  const result = stmt<[string | null, string | null, string | null, number | null, number]>(
    db,
    `UPDATE ${table} SET name = coalesce(?, name), tags_json = coalesce(?, tags_json), notes = coalesce(?, notes),
       starred = coalesce(?, starred) WHERE id = ?`,
  ).run(
    change.name ?? null,
    change.tags ? JSON.stringify(spelledAsInUse(db, table, id, change.tags)) : null,
    change.notes ?? null,
    change.starred === undefined ? null : change.starred ? 1 : 0,
    id,
  );
  return result.changes === 1;
}

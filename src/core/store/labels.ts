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

/** Sets the given labels of a run or a sweep; false when it does not exist. */
export function setLabels(db: Db, table: 'runs' | 'sweeps', id: number, change: LabelsUpdate): boolean {
  const result = stmt<[string | null, string | null, string | null, number | null, number]>(
    db,
    `UPDATE ${table} SET name = coalesce(?, name), tags_json = coalesce(?, tags_json), notes = coalesce(?, notes),
       starred = coalesce(?, starred) WHERE id = ?`,
  ).run(
    change.name ?? null,
    change.tags ? JSON.stringify(change.tags) : null,
    change.notes ?? null,
    change.starred === undefined ? null : change.starred ? 1 : 0,
    id,
  );
  return result.changes === 1;
}

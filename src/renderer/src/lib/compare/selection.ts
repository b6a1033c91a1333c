/** The runs ticked for a comparison. */

/** The selection without runs the list no longer has (deleted); the same array where nothing left. */
export function existingOnly(selection: number[], runs: readonly { id: number }[]): number[] {
  const ids = new Set(runs.map((r) => r.id));
  return selection.every((id) => ids.has(id)) ? selection : selection.filter((id) => ids.has(id));
}

/**
 * The runs of a comparison that are not there: `absent`, not in the table read for it (deleted before, or never
 * made), and `deleted`, in it but deleted since.
 */
export function missingRuns(
  runIds: readonly number[],
  rows: readonly { id: number }[],
  deletedSince: ReadonlySet<number>,
): { absent: number[]; deleted: number[] } {
  const read = (id: number) => rows.some((r) => r.id === id);
  return { absent: runIds.filter((id) => !read(id)), deleted: runIds.filter((id) => read(id) && deletedSince.has(id)) };
}

/** What the comparison says of its runs that are not there (null when all are). */
export function goneText({ absent, deleted }: { absent: readonly number[]; deleted: readonly number[] }): string | null {
  const runs = (ids: readonly number[]) => (ids.length === 1 ? `Run ${ids[0]}` : `Runs ${ids.join(', ')}`);
  const parts = [
    ...(deleted.length > 0
      ? [
          `${runs(deleted)} ${deleted.length === 1 ? 'was' : 'were'} deleted since: what is shown of ${deleted.length === 1 ? 'it' : 'them'} is from before.`,
        ]
      : []),
    ...(absent.length > 0 ? [`${runs(absent)}: no such run (deleted, or never made).`] : []),
  ];
  return parts.length > 0 ? parts.join(' ') : null;
}

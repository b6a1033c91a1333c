/** The runs ticked for a comparison. */

/** The selection without runs the list no longer has (deleted); the same array where nothing left. */
export function existingOnly(selection: number[], runs: readonly { id: number }[]): number[] {
  const ids = new Set(runs.map((r) => r.id));
  return selection.every((id) => ids.has(id)) ? selection : selection.filter((id) => ids.has(id));
}

/** The runs of a comparison that no longer exist: not in the table read for it, or deleted since. */
export function missingRuns(
  runIds: readonly number[],
  rows: readonly { id: number }[],
  deletedSince: ReadonlySet<number>,
): number[] {
  return runIds.filter((id) => deletedSince.has(id) || !rows.some((r) => r.id === id));
}

/** What the comparison says of its runs that are gone. */
export function goneText(gone: readonly number[]): string {
  const which = gone.length === 1 ? `Run ${gone[0]} no longer exists` : `Runs ${gone.join(', ')} no longer exist`;
  return `${which} (deleted): what is shown of ${gone.length === 1 ? 'it' : 'them'} is from before.`;
}

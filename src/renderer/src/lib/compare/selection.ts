/** The runs ticked for a comparison. */

/** The selection without runs the list no longer has (deleted); the same array where nothing left. */
export function existingOnly(selection: number[], runs: readonly { id: number }[]): number[] {
  const ids = new Set(runs.map((r) => r.id));
  return selection.every((id) => ids.has(id)) ? selection : selection.filter((id) => ids.has(id));
}

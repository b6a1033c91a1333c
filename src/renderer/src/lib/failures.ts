/**
 * What the app failed to read, by what it was reading (the runs, the sweeps, the data sets, the studio itself): a
 * later success of the same reading clears its line, and a reconnect clears them all before reading again. One
 * banner shows them, so a failure that has passed does not stay on screen.
 */
export type Failures = Readonly<Record<string, string>>;

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function failed(failures: Failures, what: string, e: unknown): Failures {
  return { ...failures, [what]: messageOf(e) };
}

export function succeeded(failures: Failures, what: string): Failures {
  if (!(what in failures)) return failures;
  const rest = { ...failures };
  delete rest[what];
  return rest;
}

/** The banner's text, or null when nothing is failing. */
export function failureLine(failures: Failures): string | null {
  const lines = [...new Set(Object.values(failures))];
  return lines.length > 0 ? lines.join('; ') : null;
}

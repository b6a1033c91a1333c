/**
 * What a view keeps of a run while the user is elsewhere (the explorer's strips), for the last few runs: the view
 * goes when the user leaves it, and finds the run's things again when it comes back. Keyed by the run's id and its
 * creation time, so that a run made after a deleted one under the same id (SQLite may give it again) finds nothing.
 */
export class KeptPerRun<T> {
  private readonly kept = new Map<string, T>();

  constructor(private readonly runs: number) {}

  get(key: string): T | undefined {
    return this.kept.get(key);
  }

  /** Keeps `value` for the run (the most recent one now); nothing (`undefined`, an empty list) forgets it. */
  set(key: string, value: T | undefined): void {
    this.kept.delete(key);
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return;
    this.kept.set(key, value);
    // The runs longest unvisited go first.
    for (const old of this.kept.keys()) {
      if (this.kept.size <= this.runs) break;
      this.kept.delete(old);
    }
  }
}

/** A run's key: its id, and when it was made where that is known. */
export const runKey = (id: number, createdAt: string | undefined): string => `${id}@${createdAt ?? ''}`;

import type { Client } from './client';

/**
 * The sidebar's search: the query, and the runs and sweeps that match it (runs.search, src/shared/search.ts). It is
 * asked again a moment after the query or the runs change (a new run, a new tag), so the list stays true.
 */
export class RunSearch {
  query = $state('');
  /** null while the query is empty: everything is shown. */
  hits = $state.raw<{ runIds: ReadonlySet<number>; sweepIds: ReadonlySet<number>; hints: readonly string[] } | null>(null);
  error = $state<string | null>(null);
  private asked = 0;

  constructor(private readonly client: Client) {}

  /** Asks for the query's matches after `delayMs`; returns the cancel of the wait (an effect's cleanup). */
  follow(query: string, delayMs = 150): () => void {
    if (query.trim() === '') {
      // A reply to a query asked before the box was cleared must not filter the list again.
      this.asked++;
      this.hits = null;
      this.error = null;
      return () => undefined;
    }
    const ask = ++this.asked;
    const timer = setTimeout(() => {
      this.client.call('runs.search', { query }).then(
        ({ runIds, sweepIds, hints }) => {
          if (ask !== this.asked) return;
          // Replaced whole on each answer, never changed in place: plain sets suffice.
          // eslint-disable-next-line svelte/prefer-svelte-reactivity
          this.hits = { runIds: new Set(runIds), sweepIds: new Set(sweepIds), hints: hints ?? [] };
          this.error = null;
        },
        (e: unknown) => {
          if (ask === this.asked) this.error = e instanceof Error ? e.message : String(e);
        },
      );
    }, delayMs);
    return () => clearTimeout(timer);
  }
}

/** Promises that settle when a piece of work (a run, a job) ends, keyed by its id: what `whenEnded` hands out. */
export class Endings {
  readonly #waiting = new Map<number, { promise: Promise<void>; resolve: () => void }>();

  /** Settles at `settle(id)` (or `settleAll`); every caller for the same id shares one promise. */
  wait(id: number): Promise<void> {
    let entry = this.#waiting.get(id);
    if (!entry) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#waiting.set(id, (entry = { promise, resolve }));
    }
    return entry.promise;
  }

  settle(id: number): void {
    this.#waiting.get(id)?.resolve();
    this.#waiting.delete(id);
  }

  settleAll(): void {
    for (const entry of this.#waiting.values()) entry.resolve();
    this.#waiting.clear();
  }
}

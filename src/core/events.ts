import type { EventName, EventPayload, StudioEvent } from '../shared/api';

export type EventListener = (event: StudioEvent) => void;

/** Fan-out of core events to every transport (IPC windows, WebSocket clients, the CLI). */
export class EventHub {
  readonly #listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const event = { name, payload } as StudioEvent;
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch (e) {
        console.error(`event listener failed on ${name}:`, e);
      }
    }
  }
}

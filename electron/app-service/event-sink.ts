import type { EventName, EventPayloads } from '../../shared/ipc-contract.js';

/** Where the service pushes events: Electron sends them to every window, the web bridge to SSE clients. */
export type EventSink = <E extends EventName>(name: E, payload: EventPayloads[E]) => void;

/** Fans one sink out to many listeners (each transport registers its own). */
export class EventHub {
  private readonly listeners = new Set<EventSink>();

  readonly emit: EventSink = (name, payload) => {
    for (const l of this.listeners) {
      try {
        l(name, payload);
      } catch {
        /* one broken listener (a closed window) must not stop the others */
      }
    }
  };

  add(listener: EventSink): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Typed event bus. Listeners cannot crash the process: a throwing or rejecting listener is
 * logged and counted, and the other listeners still run.
 */
import type { Logger } from 'pino';

type Listener<T> = (payload: T) => void | Promise<void>;

export class EventBus<Events extends Record<string, unknown>> {
  private listeners = new Map<keyof Events, Set<Listener<never>>>();
  listenerErrors = 0;

  constructor(private readonly log: Logger) {}

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of set) {
      try {
        const r = (fn as Listener<Events[K]>)(payload);
        if (r && typeof (r as Promise<void>).catch === 'function') {
          (r as Promise<void>).catch((err: unknown) => this.fail(event, err));
        }
      } catch (err) {
        this.fail(event, err);
      }
    }
  }

  private fail(event: keyof Events, err: unknown): void {
    this.listenerErrors++;
    this.log.error({ err, event: String(event) }, 'event listener failed');
  }
}

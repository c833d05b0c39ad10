/**
 * A typed event emitter whose listeners cannot hurt the emitter or each other: a listener that throws,
 * or returns a promise that rejects, is reported through `onListenerError` and the remaining listeners
 * still run. (ari-client turns a throwing listener into an uncaught exception and a stuck socket; the
 * gateways emit only through this.)
 */
export type Listener<T> = (payload: T) => void | Promise<void>;

export class SafeEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (event: keyof Events, err: unknown) => void) {}

  /** Adds a listener; the returned function removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Like `on`, removed after its first call. */
  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(event, (payload) => {
      off();
      return listener(payload);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener as Listener<never>);
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Calls every listener synchronously, in registration order. Never throws. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.listeners.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        const result = (listener as Listener<Events[K]>)(payload);
        if (result && typeof (result as Promise<void>).then === "function") {
          (result as Promise<void>).then(undefined, (err: unknown) => this.report(event, err));
        }
      } catch (err) {
        this.report(event, err);
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }

  private report(event: keyof Events, err: unknown): void {
    try {
      this.onListenerError(event, err);
    } catch {
      // the error reporter itself failed (e.g. a broken logger): nothing sensible is left to do
    }
  }
}

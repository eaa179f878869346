/** The payload of the `error` event every emitter may raise. */
export interface EmitterError {
  code: string;
  message: string;
}

type Handler = (payload: never) => void;

/**
 * A tiny typed event emitter that runs in browsers and Node alike (node:events
 * would pull a Node built-in into the browser bundle). A listener that throws
 * does not break the emitter's caller (the protocol loop): the exception becomes
 * an `error` event with code LISTENER_FAILED, or a console message when nobody
 * listens for errors.
 */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<Handler>>();

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as Handler);
    return () => this.off(event, handler);
  }

  /** Adds a listener called at most once. */
  once<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    const off = this.on(event, (p) => {
      off();
      handler(p);
    });
    return off;
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): void {
    const set = this.handlers.get(event);
    if (!set) return;
    set.delete(handler as Handler);
    if (set.size === 0) this.handlers.delete(event);
  }

  /** How many listeners `event` has. */
  listenerCount(event: keyof Events): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  /** Calls every listener of `event` in the order added; listeners added meanwhile wait for the next emit. */
  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of [...set]) {
      try {
        (h as (p: Events[K]) => void)(payload);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (event !== 'error' && this.listenerCount('error') > 0) {
          this.emit('error' as K, { code: 'LISTENER_FAILED', message } as Events[K]);
        } else {
          globalThis.console?.error(`sealcast: a "${String(event)}" listener failed: ${message}`);
        }
      }
    }
  }
}

/**
 * A tiny typed event emitter that runs in browsers and Node alike (node:events
 * would pull a Node built-in into the browser bundle).
 */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>();

  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => set!.delete(handler as (payload: never) => void);
  }

  once<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    const off = this.on(event, (p) => {
      off();
      handler(p);
    });
    return off;
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const h of [...(this.handlers.get(event) ?? [])]) {
      try {
        (h as (p: Events[K]) => void)(payload);
      } catch (e) {
        // A faulty listener must not break the protocol loop.
        if (event !== 'error') this.emit('error' as K, { code: 'LISTENER_FAILED', message: String(e) } as Events[K]);
      }
    }
  }
}

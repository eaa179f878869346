import type { ClientConnection } from './client-connection.js';

/** Who is online now: canonical name → the one connection logged in under it. */
export class Presence {
  private readonly online = new Map<string, ClientConnection>();

  get(name: string): ClientConnection | undefined {
    return this.online.get(name);
  }

  isOnline(name: string): boolean {
    return this.online.has(name);
  }

  /** Records a login; returns the connection it replaces, if any. */
  set(name: string, conn: ClientConnection): ClientConnection | undefined {
    const previous = this.online.get(name);
    this.online.set(name, conn);
    return previous === conn ? undefined : previous;
  }

  /** Forgets a connection, only if it is still the current one for its name. */
  remove(conn: ClientConnection): boolean {
    if (conn.name && this.online.get(conn.name) === conn) {
      this.online.delete(conn.name);
      return true;
    }
    return false;
  }

  get size(): number {
    return this.online.size;
  }

  connections(): IterableIterator<ClientConnection> {
    return this.online.values();
  }
}

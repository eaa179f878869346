import type { QueuedItem } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { Router } from './router.js';

/** The Router of a single node: the sessions connected to this process. */
export class LocalRouter implements Router {
  private readonly byDevice = new Map<string, Set<ClientConnection>>();
  private readonly receiverOf = new Map<string, ClientConnection>();
  /** Receiving sessions per account. */
  private readonly online = new Map<string, Set<ClientConnection>>();

  attach(conn: ClientConnection): ClientConnection | undefined {
    const s = conn.session!;
    const h = s.device.idHex;
    let set = this.byDevice.get(h);
    if (!set) this.byDevice.set(h, (set = new Set()));
    set.add(conn);
    if (!s.receive) return undefined;
    const previous = this.receiverOf.get(h);
    this.receiverOf.set(h, conn);
    let mine = this.online.get(s.account);
    if (!mine) this.online.set(s.account, (mine = new Set()));
    if (previous) mine.delete(previous);
    mine.add(conn);
    return previous === conn ? undefined : previous;
  }

  detach(conn: ClientConnection): boolean {
    const s = conn.session;
    if (!s) return false;
    const h = s.device.idHex;
    const set = this.byDevice.get(h);
    if (set?.delete(conn) && set.size === 0) this.byDevice.delete(h);
    if (this.receiverOf.get(h) === conn) this.receiverOf.delete(h);
    const mine = this.online.get(s.account);
    if (!mine?.delete(conn)) return false;
    if (mine.size > 0) return false;
    this.online.delete(s.account);
    return true;
  }

  offer(deviceHex: string, item: QueuedItem): boolean {
    return this.receiverOf.get(deviceHex)?.session?.cursor?.offer(item) ?? false;
  }

  receiver(deviceHex: string): ClientConnection | undefined {
    return this.receiverOf.get(deviceHex);
  }

  sessionsOfDevice(deviceHex: string): ClientConnection[] {
    return [...(this.byDevice.get(deviceHex) ?? [])];
  }

  receiversOf(account: string): ClientConnection[] {
    return [...(this.online.get(account) ?? [])];
  }

  isOnline(account: string): boolean {
    return this.online.has(account);
  }

  onlineAccounts(): IterableIterator<string> {
    return this.online.keys();
  }

  get onlineCount(): number {
    return this.online.size;
  }

  *receivers(): IterableIterator<ClientConnection> {
    yield* this.receiverOf.values();
  }
}

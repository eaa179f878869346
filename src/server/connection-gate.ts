import type { Socket } from 'node:net';
import { addressKey } from './registry/registration-limiter.js';

export type Refusal = 'address' | 'total';

/**
 * Counts TCP connections from the moment they are accepted, before TLS, so a client cannot hold
 * thousands of silent sockets that only count once they become WebSockets. Over a cap the socket is
 * destroyed at once: there is no TLS yet to carry a reason, and answering would cost what the cap
 * saves. Bookkeeping is O(1) per accept and per close, so many closing at once cannot stall the server.
 */
export class ConnectionGate {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly caps: { perAddress: number; total: number },
    private readonly onRefused: (why: Refusal, address: string) => void,
  ) {}

  /** TCP connections open now. */
  get open(): number {
    return this.total;
  }

  /** Called first for every accepted socket; false when it was refused (and destroyed). */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const key = addressKey(address);
    const held = this.perAddress.get(key) ?? 0;
    const why: Refusal | undefined = this.total >= this.caps.total ? 'total' : held >= this.caps.perAddress ? 'address' : undefined;
    if (why) {
      socket.destroy();
      this.onRefused(why, address);
      return false;
    }
    this.perAddress.set(key, held + 1);
    this.total++;
    socket.once('close', () => this.release(key));
    return true;
  }

  private release(key: string): void {
    this.total--;
    const left = (this.perAddress.get(key) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(key);
    else this.perAddress.set(key, left);
  }
}

import type { QueuedItem } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';

/**
 * Delivers to devices (DESIGN.md §8 Router). Handlers never touch other connections' sockets:
 * they hand a device's new queue item to the router, which gives it to that device's receiving
 * session if one is online here. `LocalRouter` is the one-node implementation; a pub/sub router
 * for several nodes implements the same interface.
 */
export interface Router {
  /**
   * Records a logged-in session. A second receiving session of the same device replaces the first,
   * which is returned so the caller can close it; short sessions replace nothing.
   */
  attach(conn: ClientConnection): ClientConnection | undefined;
  /** Forgets a session; true when its account has no receiving session left (it went offline). */
  detach(conn: ClientConnection): boolean;
  /** Hands a new item of a device's queue to its receiving session; true when it went out now. */
  offer(deviceHex: string, item: QueuedItem): boolean;
  /** The receiving session of a device, if online here. */
  receiver(deviceHex: string): ClientConnection | undefined;
  /** Every session (receiving or short) of a device. */
  sessionsOfDevice(deviceHex: string): ClientConnection[];
  /** The receiving sessions of an account's devices. */
  receiversOf(account: string): ClientConnection[];
  /** True when the account has a receiving session. */
  isOnline(account: string): boolean;
  /** Accounts online now. */
  onlineAccounts(): IterableIterator<string>;
  /** How many accounts are online. */
  readonly onlineCount: number;
  /** Every receiving session (for broadcasts). */
  receivers(): IterableIterator<ClientConnection>;
}

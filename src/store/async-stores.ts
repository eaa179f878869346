import type { AccountStore } from './account-store.js';
import type { ConversationStore } from './conversation-store.js';
import type { DeviceQueueStore, QueueDelivery, QueueMessageInput } from './device-queue-store.js';
import type { KeyPackageStore } from './key-package-store.js';

/**
 * The same methods with Promise results. A cluster's store is a network away, so its interfaces are
 * asynchronous; the SQLite classes can be wrapped to implement them (each call resolving at once),
 * and handlers written against these run on either.
 */
export type Promised<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export type AsyncAccountStore = Promised<AccountStore>;
export type AsyncKeyPackageStore = Promised<KeyPackageStore>;

export type AsyncConversationStore = Promised<ConversationStore>;

/**
 * A conversation store that keeps the ordered handshake log (the PostgreSQL one): `advance` also
 * stores the commit that moved the epoch, in the same transaction as the compare-and-set.
 */
export interface HandshakeLog {
  advance(id: Uint8Array, epoch: number, groupInfo: Uint8Array, add: readonly string[], remove: readonly string[], now: number, commit?: Uint8Array): Promise<boolean>;
  /** The commits accepted after `afterEpoch`, oldest first: the log a lagging member replays. */
  handshakes(id: Uint8Array, afterEpoch: number, max: number): Promise<{ epoch: number; message: Uint8Array; storedAt: number }[]>;
}

/** A message to store, for devices the store numbers itself. */
export type QueueAppend = Omit<QueueMessageInput, 'deliveries'> & { devices: readonly Uint8Array[] };

/** An acknowledged item: a number means something only in its device's queue. */
export interface QueueAck {
  device: Uint8Array;
  seq: number;
}

/** What one stored message became: its copies with their numbers, or nothing when it was a duplicate. */
export interface AppendResult {
  duplicate: boolean;
  /** Copies stored (devices that no longer exist get none), with their numbers. */
  deliveries: QueueDelivery[];
}

/**
 * Per-device queues with the numbers given by the store at commit, not reserved ahead by the node:
 * with several nodes writing to one device, only numbers taken in commit order keep each queue
 * ordered for its reader. So `reserveSeqs` goes, `commit` returns the numbers, and acks name the
 * device with the number. (The SQLite store implements this with its one-writer global numbers,
 * which are increasing per device too.) Every other method is the SQLite one, with a Promise.
 */
export interface AsyncDeviceQueueStore extends Promised<Omit<DeviceQueueStore, 'commit' | 'reserveSeqs'>> {
  commit(batch: { stores: readonly QueueAppend[]; acks: readonly QueueAck[] }): Promise<AppendResult[]>;
}

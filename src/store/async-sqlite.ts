import type { AppendResult, AsyncDeviceQueueStore, Promised, QueueAck, QueueAppend } from './async-stores.js';
import type { DeviceQueueStore, QueueDelivery } from './device-queue-store.js';

/**
 * A synchronous store seen through its async interface: every method resolves with what the
 * SQLite call returned, and a throw becomes a rejection (never an exception out of a Promise-
 * returning call).
 */
export function promised<T extends object>(store: T): Promised<T> {
  return new Proxy(store, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        try {
          return Promise.resolve(v.apply(target, args));
        } catch (e) {
          return Promise.reject(e);
        }
      };
    },
  }) as unknown as Promised<T>;
}

const key = (sender: string, id: Uint8Array) => `${sender}\u0000${Buffer.from(id).toString('hex')}`;

/**
 * The SQLite device queues behind the cluster's queue interface. One node is the only writer, so
 * its global numbers, reserved here for every copy, are increasing per device as the interface asks.
 */
export class AsyncSqliteDeviceQueueStore implements AsyncDeviceQueueStore {
  private readonly rest: Promised<DeviceQueueStore>;

  constructor(private readonly store: DeviceQueueStore) {
    this.rest = promised(store);
  }

  async commit(batch: { stores: readonly QueueAppend[]; acks: readonly QueueAck[] }): Promise<AppendResult[]> {
    const seen = new Set<string>();
    const fresh = batch.stores.map((s) => {
      const k = key(s.sender, s.id);
      const dup = seen.has(k) || this.store.has(s.sender, s.id);
      seen.add(k);
      return dup;
    });
    const devicesOf = (s: QueueAppend) => [...new Map(s.devices.map((d) => [Buffer.from(d).toString('hex'), d])).values()];
    const total = batch.stores.reduce((n, s, i) => n + (fresh[i] ? 0 : devicesOf(s).length), 0);
    let next = total > 0 ? this.store.reserveSeqs(total) : 0;
    const planned = batch.stores.map((s, i) => (fresh[i] ? [] : devicesOf(s).map((device) => ({ device, seq: next++ }))));
    // An ack names its device: only that device's copy goes (global numbers would let it name another's).
    const acks = batch.acks.filter((a) => this.store.findSeq(a.device, a.seq) !== undefined).map((a) => a.seq);
    this.store.commit({ stores: batch.stores.map((s, i) => ({ ...s, deliveries: planned[i]! })).filter((_, i) => !fresh[i]), acks });
    // Copies for devices that no longer exist were not stored: the result says which were.
    return planned.map((deliveries: QueueDelivery[], i) => ({
      duplicate: fresh[i]!,
      deliveries: deliveries.filter((d) => this.store.findSeq(d.device, d.seq) !== undefined),
    }));
  }

  page: AsyncDeviceQueueStore['page'] = (...a) => this.rest.page(...a);
  findById: AsyncDeviceQueueStore['findById'] = (...a) => this.rest.findById(...a);
  findSeq: AsyncDeviceQueueStore['findSeq'] = (...a) => this.rest.findSeq(...a);
  holdsIdFromOther: AsyncDeviceQueueStore['holdsIdFromOther'] = (...a) => this.rest.holdsIdFromOther(...a);
  has: AsyncDeviceQueueStore['has'] = (...a) => this.rest.has(...a);
  bytesByDevice: AsyncDeviceQueueStore['bytesByDevice'] = () => this.rest.bytesByDevice();
  bytesBySender: AsyncDeviceQueueStore['bytesBySender'] = () => this.rest.bytesBySender();
  heldFrom: AsyncDeviceQueueStore['heldFrom'] = (...a) => this.rest.heldFrom(...a);
  expire: AsyncDeviceQueueStore['expire'] = (...a) => this.rest.expire(...a);
  counts: AsyncDeviceQueueStore['counts'] = () => this.rest.counts();
}

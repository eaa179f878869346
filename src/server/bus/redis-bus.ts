import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedis, type RedisOptions } from './redis-connection.js';

export type BusHandler = (payload: Uint8Array) => void;

/**
 * Pub/sub between nodes (DESIGN.md §9): a node publishes to the channel of the node, or of the
 * device, that holds a recipient's socket. Fire and forget: what matters is already in PostgreSQL,
 * the bus only makes it arrive sooner.
 */
export class RedisBus {
  private readonly handlers = new Map<string, BusHandler>();

  private constructor(
    readonly nodeId: string,
    private readonly prefix: string,
    private readonly pub: Redis,
    private readonly sub: Redis,
  ) {
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      this.handlers.get(channel.toString())?.(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
    });
  }

  /** Connects (one connection publishes, one subscribes, as Redis requires) and listens on this node's channel. */
  static async connect(url: string, opts: RedisOptions & { nodeId?: string; onNodeMessage: BusHandler }): Promise<RedisBus> {
    const pub = await openRedis(url, opts.onError);
    let sub: Redis;
    try {
      sub = await openRedis(url, opts.onError);
    } catch (e) {
      pub.disconnect();
      throw e;
    }
    const bus = new RedisBus(opts.nodeId ?? randomBytes(8).toString('hex'), opts.prefix, pub, sub);
    await bus.listen(bus.nodeChannel(bus.nodeId), opts.onNodeMessage);
    return bus;
  }

  private nodeChannel(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }

  private deviceChannel(deviceHex: string): string {
    return `${this.prefix}device:${deviceHex}`;
  }

  private async listen(channel: string, handler: BusHandler): Promise<void> {
    this.handlers.set(channel, handler);
    await this.sub.subscribe(channel);
  }

  /** Returns how many subscribers got it (0: nobody listens there now; the mailbox still has it). */
  publishToNode(nodeId: string, payload: Uint8Array): Promise<number> {
    return this.pub.publish(this.nodeChannel(nodeId), Buffer.from(payload));
  }

  publishToDevice(deviceHex: string, payload: Uint8Array): Promise<number> {
    return this.pub.publish(this.deviceChannel(deviceHex), Buffer.from(payload));
  }

  /** Listens for a device whose socket is on this node. */
  subscribeDevice(deviceHex: string, handler: BusHandler): Promise<void> {
    return this.listen(this.deviceChannel(deviceHex), handler);
  }

  async unsubscribeDevice(deviceHex: string): Promise<void> {
    const channel = this.deviceChannel(deviceHex);
    this.handlers.delete(channel);
    await this.sub.unsubscribe(channel);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    await Promise.all([this.pub.quit(), this.sub.quit()]);
  }
}

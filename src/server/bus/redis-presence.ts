import type { Redis } from 'ioredis';
import { openRedis, type RedisOptions } from './redis-connection.js';
import { BEAT, JOIN, LEAVE, RETIRE, WHERE } from './presence-scripts.js';

/** Dead nodes' names removed per heartbeat at most (a bound on how long one script holds Redis). */
const SWEEP_BUDGET = 1000;

type Scripted = Redis & Record<'scBeat' | 'scJoin' | 'scLeave' | 'scWhere' | 'scRetire', (...args: (string | number)[]) => Promise<unknown>>;

export interface PresenceOptions extends RedisOptions {
  nodeId: string;
  /** A node's entries vanish this long after its last heartbeat (ms); it beats three times per TTL. */
  ttlMs: number;
}

/**
 * Cluster-wide presence: which nodes hold a name ("device:<hex>", "account:<name>"). Entries live as
 * long as their node's heartbeat: a node that dies, or loses Redis, stops beating, and within the TTL
 * every look-up stops naming it; the next heartbeat of any node clears its entries from Redis.
 * Heartbeats cost one key write, however many names the node holds.
 */
export class RedisPresence {
  /** The names this node holds, to give back to Redis if it forgot them. */
  private readonly mine = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  private constructor(private readonly r: Scripted, private readonly opts: PresenceOptions) {}

  static async connect(url: string, opts: PresenceOptions): Promise<RedisPresence> {
    const r = await openRedis(url, opts.onError);
    // defineCommand runs by EVALSHA and loads the script again if Redis lost it (a restart).
    for (const [name, lua] of [['scBeat', BEAT], ['scJoin', JOIN], ['scLeave', LEAVE], ['scWhere', WHERE], ['scRetire', RETIRE]] as const) {
      r.defineCommand(name, { numberOfKeys: 0, lua });
    }
    const p = new RedisPresence(r as Scripted, opts);
    await p.beat();
    return p;
  }

  get nodeId(): string {
    return this.opts.nodeId;
  }

  /** Starts beating every third of the TTL. A failed beat is reported; the next one tries again. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.beat().catch(this.opts.onError);
    }, Math.max(10, Math.floor(this.opts.ttlMs / 3)));
  }

  /** Stops beating without removing anything: what a dying node does (tests use it to play one). */
  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One heartbeat; if Redis had forgotten this node, its names are joined again. */
  async beat(): Promise<void> {
    const fresh = await this.r.scBeat(this.opts.prefix, this.opts.nodeId, this.opts.ttlMs, SWEEP_BUDGET);
    if (fresh === 1 && this.mine.size > 0) await this.r.scJoin(this.opts.prefix, this.opts.nodeId, ...this.mine);
  }

  async join(...names: string[]): Promise<void> {
    for (const n of names) this.mine.add(n);
    if (names.length > 0) await this.r.scJoin(this.opts.prefix, this.opts.nodeId, ...names);
  }

  async leave(...names: string[]): Promise<void> {
    for (const n of names) this.mine.delete(n);
    if (names.length > 0) await this.r.scLeave(this.opts.prefix, this.opts.nodeId, ...names);
  }

  /** The live nodes holding `name`, sorted. */
  async where(name: string): Promise<string[]> {
    return (await this.r.scWhere(this.opts.prefix, name)) as string[];
  }

  /** A clean shutdown: entries gone now, not after the TTL. */
  async close(): Promise<void> {
    this.stopHeartbeat();
    await this.r.scRetire(this.opts.prefix, this.opts.nodeId, SWEEP_BUDGET);
    this.mine.clear();
    await this.r.quit();
  }

  /** Drops the connection without a word to Redis: a node killed (tests). */
  kill(): void {
    this.stopHeartbeat();
    this.r.disconnect();
  }
}

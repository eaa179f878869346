/** What the watch needs of one connection's outgoing side (a WebSocket client, or an HTTP socket). */
export interface Outbound {
  /** Bytes queued for the peer that the kernel has not taken yet. */
  queued(): number;
  /** Bytes the kernel has taken since the connection opened (only ever grows). */
  drained(): number;
  /** Cuts the peer off; its queue is freed once the socket is gone. */
  cut(why: CutReason): void;
}

export type CutReason = 'stalled' | 'budget';

interface Entry {
  readonly out: Outbound;
  /** Queued bytes as last seen: what this entry adds to the total. */
  queued: number;
  drained: number;
  /** When the queue was last empty or last moved. */
  movedAt: number;
  cut: boolean;
}

export interface OutboundWatchOptions {
  /** Bytes queued for all connections together before the largest queues are cut (0: no budget). */
  budgetBytes: number;
  /** A queue that holds bytes and has not drained at all for this long is cut (0: never). */
  drainTimeoutMs: number;
  now?: () => number;
}

/**
 * One budget for what the server holds for peers that do not read, and a deadline for a queue that
 * stops draining. Per-connection bounds alone let many non-readers each keep their bound forever
 * (40 of them held +241 MiB). Like Redis's maxmemory-clients, when the sum passes the budget the
 * connections with the largest queues are cut first: they hold the memory, and an honest client with
 * a short queue keeps being served. A queue "moves" when the kernel takes any of its bytes, so a
 * slow link that drains is never cut by the timeout, only one that took nothing for the whole time.
 */
export class OutboundWatch {
  private readonly entries = new Map<unknown, Entry>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: OutboundWatchOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Bytes queued for all connections, as last seen. */
  get queuedBytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Watches `out` under `key`, replacing what was watched under it (an HTTP socket that became a WebSocket). */
  add(key: unknown, out: Outbound): void {
    this.remove(key);
    this.entries.set(key, { out, queued: 0, drained: out.drained(), movedAt: this.now(), cut: false });
    this.note(key);
  }

  remove(key: unknown): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.total -= e.queued;
    this.entries.delete(key);
  }

  /** After a write to `key`: counts its queue now and enforces the budget at once, not at the next sweep. */
  note(key: unknown): void {
    const e = this.entries.get(key);
    if (!e || e.cut) return;
    // Only the queue: it is O(1), while reading what drained walks the socket's pending writes, which a
    // non-reader of small frames makes long. The sweep reads both.
    const queued = e.out.queued();
    if (e.queued === 0 && queued > 0) e.movedAt = this.now();
    this.total += queued - e.queued;
    e.queued = queued;
    if (this.overBudget()) this.enforceBudget();
  }

  /** Looks at every connection: cuts stalled queues, then enforces the budget. O(connections). */
  sweep(): void {
    const now = this.now();
    for (const e of this.entries.values()) {
      if (e.cut) continue;
      this.observe(e, now);
      if (this.opts.drainTimeoutMs > 0 && e.queued > 0 && now - e.movedAt >= this.opts.drainTimeoutMs) this.cut(e, 'stalled');
    }
    if (this.overBudget()) this.enforceBudget();
  }

  /** Sweeps every `intervalMs` (a quarter of the drain timeout, at most a second). */
  start(intervalMs = Math.max(50, Math.min(1000, (this.opts.drainTimeoutMs || 4000) / 4))): void {
    this.timer ??= setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private observe(e: Entry, now: number): void {
    const queued = e.out.queued();
    const drained = e.out.drained();
    // The clock starts when bytes are first seen waiting, and again whenever the kernel takes some.
    if (queued === 0 || e.queued === 0 || drained > e.drained) e.movedAt = now;
    e.drained = drained;
    this.total += queued - e.queued;
    e.queued = queued;
  }

  private overBudget(): boolean {
    return this.opts.budgetBytes > 0 && this.total > this.opts.budgetBytes;
  }

  /** Runs only past the budget (an attack or an overload), so sorting every queue is affordable. */
  private enforceBudget(): void {
    const largest = [...this.entries.values()].filter((e) => !e.cut && e.queued > 0).sort((a, b) => b.queued - a.queued);
    for (const e of largest) {
      if (!this.overBudget()) break;
      this.cut(e, 'budget');
    }
  }

  private cut(e: Entry, why: CutReason): void {
    e.cut = true;
    // Its bytes leave the total now: the socket goes within seconds and must not get others cut meanwhile.
    this.total -= e.queued;
    e.queued = 0;
    e.out.cut(why);
  }
}

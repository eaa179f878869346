import { SampleList, summarizeLatencies, type LatencySummary } from '../lib/stats.js';

/** A message ready to send: which client sends it, to how many recipients, and its key. */
export interface Prepared {
  key: string | number;
  sender: number;
  recipients: number;
}

/**
 * What the engine needs from a protocol (sealcast, bare ws, Socket.IO): messages to send and
 * a call back on every delivery. The same engine drives all three, so they see the same load.
 */
export interface Adapter {
  readonly clients: number;
  /** A unicast message from `sender` to a random peer, or undefined when none is free. */
  take(sender: number): Prepared | undefined;
  /** A to-all message from client 0, or undefined when none is free. */
  takeBroadcast(): Prepared | undefined;
  send(p: Prepared): void;
  /** Set by the engine: a recipient got message `key`. */
  onDelivered: (key: string | number, recipient: number) => void;
  /** Set by the engine: `sender` has a message free again (sealcast reuses sealed envelopes). */
  onReusable: (sender: number) => void;
  /** Protocol errors seen (error frames, unexpected answers), by name. */
  errors: Record<string, number>;
  /** True when nothing is in flight and every prepared message is free. */
  idle(): boolean;
}

export interface PhaseSpec {
  /** closed: `window` messages in flight per client; open: `rate` messages/s in total; fanout: `window` to-all messages in flight from client 0. */
  mode: 'closed' | 'open' | 'fanout';
  window?: number;
  rate?: number;
  warmupMs: number;
  measureMs: number;
  drainMs?: number;
}

export interface PhaseResult {
  mode: PhaseSpec['mode'];
  offeredPerSecond?: number;
  /** Deliveries per second in the measured window (one per recipient). */
  deliveriesPerSecond: number;
  /** Messages (unicast) or broadcasts (fan-out) fully delivered per second. */
  messagesPerSecond: number;
  /** Per delivery, from the (scheduled) send time, ms. */
  latency: LatencySummary;
  /** Fan-out: until the last recipient had it, ms. */
  completeLatency?: LatencySummary;
  /** Messages sent in the window that never arrived within the drain time. */
  lost: number;
  /** Open loop: sends the generator could not make because no message was free. */
  skipped: number;
  errors: Record<string, number>;
}

interface Ticket {
  p: Prepared;
  pending: number;
  at: number;
  recorded: boolean;
}

/** Drives an adapter through one measured phase: warm-up, measured window, drain. */
export class Engine {
  private readonly tickets = new Map<string | number, Ticket>();
  private running = false;
  private measureStart = 0;
  private measureEnd = 0;
  private delivered = 0;
  private completed = 0;
  private latencies = new SampleList();
  private completes = new SampleList();
  private starved = new Set<number>();
  private spec: PhaseSpec | undefined;

  constructor(private readonly a: Adapter) {
    a.onDelivered = (key, recipient) => this.delivery(key, recipient);
    a.onReusable = (sender) => this.reusable(sender);
  }

  private delivery(key: string | number, _recipient: number): void {
    const t = this.tickets.get(key);
    if (!t) {
      this.a.errors['unexpected delivery'] = (this.a.errors['unexpected delivery'] ?? 0) + 1;
      return;
    }
    const now = performance.now();
    if (t.recorded) this.latencies.push(now - t.at);
    if (now >= this.measureStart && now < this.measureEnd) this.delivered++;
    if (--t.pending > 0) return;
    this.tickets.delete(key);
    if (t.recorded && this.spec?.mode === 'fanout') this.completes.push(now - t.at);
    if (now >= this.measureStart && now < this.measureEnd) this.completed++;
    if (!this.running) return;
    if (this.spec?.mode === 'closed') this.sendFrom(t.p.sender);
    else if (this.spec?.mode === 'fanout') this.sendBroadcast();
  }

  private reusable(sender: number): void {
    if (!this.running || !this.starved.has(sender)) return;
    this.starved.delete(sender);
    if (this.spec?.mode === 'closed') this.sendFrom(sender);
    else if (this.spec?.mode === 'fanout') this.sendBroadcast();
  }

  private launch(p: Prepared, at: number): void {
    const now = performance.now();
    this.tickets.set(p.key, { p, pending: p.recipients, at, recorded: at >= this.measureStart && at < this.measureEnd && now < this.measureEnd });
    this.a.send(p);
  }

  private sendFrom(sender: number): void {
    const p = this.a.take(sender);
    if (!p) {
      this.starved.add(sender);
      return;
    }
    this.launch(p, performance.now());
  }

  private sendBroadcast(): void {
    const p = this.a.takeBroadcast();
    if (!p) {
      this.starved.add(0);
      return;
    }
    this.launch(p, performance.now());
  }

  /** Runs one phase and summarises what was measured. */
  async run(spec: PhaseSpec): Promise<PhaseResult> {
    await this.settle(10_000);
    this.spec = spec;
    this.latencies = new SampleList();
    this.completes = new SampleList();
    this.delivered = 0;
    this.completed = 0;
    this.starved.clear();
    for (const k of Object.keys(this.a.errors)) delete this.a.errors[k];
    const t0 = performance.now();
    this.measureStart = t0 + spec.warmupMs;
    this.measureEnd = this.measureStart + spec.measureMs;
    this.running = true;
    let skipped = 0;

    if (spec.mode === 'closed') {
      for (let w = 0; w < (spec.window ?? 1); w++) for (let s = 0; s < this.a.clients; s++) this.sendFrom(s);
      await sleepUntil(this.measureEnd);
    } else if (spec.mode === 'fanout') {
      for (let w = 0; w < (spec.window ?? 1); w++) this.sendBroadcast();
      await sleepUntil(this.measureEnd);
    } else {
      const rate = spec.rate ?? 1000;
      const interval = 1000 / rate;
      let sent = 0;
      // Open loop: message k is due at t0 + k/rate whatever happened to earlier ones, and its
      // latency counts from that due time, so a stalled server cannot hide its queue.
      await new Promise<void>((resolve) => {
        const tick = () => {
          const now = performance.now();
          const due = Math.min(Math.floor((Math.min(now, this.measureEnd) - t0) / interval), Math.ceil((this.measureEnd - t0) / interval));
          while (sent < due) {
            const at = t0 + sent * interval;
            sent++;
            let p: Prepared | undefined;
            for (let tries = 0; tries < 8 && !p; tries++) p = this.a.take(Math.floor(Math.random() * this.a.clients));
            if (p) this.launch(p, at);
            else if (at >= this.measureStart) skipped++;
          }
          if (now >= this.measureEnd) resolve();
          else setTimeout(tick, 1);
        };
        tick();
      });
    }
    this.running = false;
    const lost = await this.drain(spec.drainMs ?? 3000);
    for (let i = 0; i < lost; i++) this.latencies.push(Infinity);
    const secs = spec.measureMs / 1000;
    return {
      mode: spec.mode,
      ...(spec.mode === 'open' ? { offeredPerSecond: spec.rate } : {}),
      deliveriesPerSecond: Math.round(this.delivered / secs),
      messagesPerSecond: Math.round(this.completed / secs),
      latency: summarizeLatencies(this.latencies.values()),
      ...(spec.mode === 'fanout' ? { completeLatency: summarizeLatencies(this.completes.values()) } : {}),
      lost,
      skipped,
      errors: { ...this.a.errors },
    };
  }

  /** Waits for measured messages still in flight; returns how many never arrived. */
  private async drain(ms: number): Promise<number> {
    const end = performance.now() + ms;
    const recordedLeft = () => {
      let n = 0;
      for (const t of this.tickets.values()) if (t.recorded) n += t.pending;
      return n;
    };
    while (recordedLeft() > 0 && performance.now() < end) await sleep(10);
    return recordedLeft();
  }

  /** Lets the previous phase's messages finish so phases do not overlap. */
  private async settle(ms: number): Promise<void> {
    const end = performance.now() + ms;
    while ((this.tickets.size > 0 || !this.a.idle()) && performance.now() < end) await sleep(10);
    this.tickets.clear();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function sleepUntil(t: number): Promise<void> {
  const left = t - performance.now();
  if (left > 0) await sleep(left);
}

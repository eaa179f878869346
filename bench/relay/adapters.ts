import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { generateIdentity, randomId, sealEnvelope, type Identity } from '../../src/crypto/index.js';
import { decodeServerFrame, encodeClientFrame } from '../../src/protocol/index.js';
import { sealcastLogin } from '../lib/sealcast-login.js';
import type { Adapter, Prepared } from './engine.js';

const noop = () => {};

/** Runs `work` over 0..n-1 with at most `limit` at a time. */
export async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

function count(errors: Record<string, number>, name: string): void {
  errors[name] = (errors[name] ?? 0) + 1;
}

function pickOther(n: number, self: number): number {
  const r = Math.floor(Math.random() * (n - 1));
  return r >= self ? r + 1 : r;
}

/** A sealed envelope, its Send frame and its state: busy until the server says every recipient acked. */
interface Sealed extends Prepared {
  key: string;
  frame: Uint8Array;
  waiting: number;
}

export interface SealcastPrepareOptions {
  clients: number;
  plaintextBytes: number;
  poolPerClient: number;
  broadcastPool: number;
  log?: (m: string) => void;
}

/**
 * sealcast clients as a real client behaves on the wire: each logs in by signing the server's
 * challenge with its own identity, sends real sealed envelopes, decodes and validates every
 * frame, and acks every delivery. Envelopes are sealed before the timed window (sealing in the
 * window would make the generator the bottleneck) and reused once the server has forgotten
 * them (after the recipient's ack), which the server cannot tell from new ones.
 */
export class SealcastAdapter implements Adapter {
  onDelivered: Adapter['onDelivered'] = noop;
  onReusable: Adapter['onReusable'] = noop;
  errors: Record<string, number> = {};
  readonly clients: number;
  private identities: Identity[] = [];
  private names: string[] = [];
  private free: Sealed[][] = [];
  private broadcastFree: Sealed[] = [];
  private readonly byKey = new Map<string, Sealed>();
  private busy = 0;
  private sockets: WebSocket[] = [];
  unicastBytes = 0;
  broadcastBytes = 0;

  constructor(private readonly o: SealcastPrepareOptions) {
    this.clients = o.clients;
  }

  /** Makes the identities and seals the envelope pools. */
  async prepare(): Promise<void> {
    const n = this.o.clients;
    this.names = Array.from({ length: n }, (_, i) => `bench${String(i).padStart(5, '0')}`);
    this.identities = new Array(n);
    await pool(n, 16, async (i) => {
      this.identities[i] = await generateIdentity();
    });
    const plaintext = new Uint8Array(randomBytes(this.o.plaintextBytes));
    const frameFor = (key: Uint8Array, to: number, envelope: Uint8Array) =>
      encodeClientFrame({ body: { case: 'send', value: { id: key, to: to < 0 ? '' : this.names[to]!, toAll: to < 0, envelope } } });
    const seal = async (sender: number, to: number[]) => {
      const id = randomId();
      const envelope = await sealEnvelope({
        sender: this.identities[sender]!, senderName: this.names[sender]!, id, ts: Date.now(), toAll: to.length > 1, plaintext,
        recipients: to.map((r) => ({ name: this.names[r]!, bundle: this.identities[r]!.bundle })),
      });
      const s: Sealed = { key: Buffer.from(id).toString('latin1'), sender, recipients: to.length, frame: frameFor(id, to.length > 1 ? -1 : to[0]!, envelope), waiting: 0 };
      this.byKey.set(s.key, s);
      return { s, bytes: envelope.byteLength };
    };
    this.free = Array.from({ length: n }, () => []);
    await pool(n * this.o.poolPerClient, 16, async (k) => {
      const sender = k % n;
      const { s, bytes } = await seal(sender, [pickOther(n, sender)]);
      this.unicastBytes = bytes;
      this.free[sender]!.push(s);
    });
    const everyoneElse = Array.from({ length: n - 1 }, (_, i) => i + 1);
    for (let b = 0; b < this.o.broadcastPool; b++) {
      const { s, bytes } = await seal(0, everyoneElse);
      this.broadcastBytes = bytes;
      this.broadcastFree.push(s);
    }
  }

  /** Connects and logs every client in, checking the server certificate against the pin. */
  async connect(url: string, fingerprintHex: string): Promise<void> {
    this.sockets = new Array(this.clients);
    await pool(this.clients, 32, (i) => this.login(i, url, fingerprintHex));
  }

  private async login(i: number, url: string, pin: string): Promise<void> {
    const ws = await sealcastLogin(url, this.names[i]!, this.identities[i]!, pin);
    this.sockets[i] = ws;
    ws.on('error', () => count(this.errors, 'socket error'));
    ws.on('close', () => count(this.errors, 'socket closed'));
    ws.on('message', (d: Buffer) => this.frame(i, d));
  }

  private frame(i: number, data: Buffer): void {
    const f = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const b = f.body;
    switch (b.case) {
      case 'deliver': {
        this.onDelivered(Buffer.from(b.value.id).toString('latin1'), i);
        this.sockets[i]!.send(encodeClientFrame({ body: { case: 'ack', value: { id: b.value.id } } }));
        return;
      }
      case 'delivered': {
        const s = this.byKey.get(Buffer.from(b.value.id).toString('latin1'));
        if (!s || s.waiting <= 0) return count(this.errors, 'unexpected delivered');
        if (--s.waiting > 0) return;
        this.busy--;
        if (s.recipients > 1) this.broadcastFree.push(s);
        else this.free[s.sender]!.push(s);
        this.onReusable(s.sender);
        return;
      }
      case 'accepted':
        // Every recipient is online: a stored (not delivered) copy means something went wrong.
        if (b.value.stored > 0) count(this.errors, 'stored instead of delivered');
        return;
      case 'error':
        return count(this.errors, b.value.name);
      default:
        return;
    }
  }

  take(sender: number): Prepared | undefined {
    const list = this.free[sender]!;
    if (list.length === 0) return undefined;
    const k = Math.floor(Math.random() * list.length);
    const s = list[k]!;
    list[k] = list[list.length - 1]!;
    list.pop();
    return s;
  }

  takeBroadcast(): Prepared | undefined {
    return this.broadcastFree.pop();
  }

  send(p: Prepared): void {
    const s = p as Sealed;
    s.waiting = s.recipients;
    this.busy++;
    this.sockets[s.sender]!.send(s.frame);
  }

  idle(): boolean {
    return this.busy === 0;
  }

  close(): void {
    for (const ws of this.sockets) ws?.terminate();
    this.sockets = [];
    this.busy = 0;
    for (const s of this.byKey.values()) {
      if (s.waiting > 0) {
        s.waiting = 0;
        if (s.recipients > 1) this.broadcastFree.push(s);
        else this.free[s.sender]!.push(s);
      }
    }
  }
}

/** Options shared by the two baselines: payload sizes equal to sealcast's envelopes. */
export interface BaselineOptions {
  clients: number;
  unicastBytes: number;
  broadcastBytes: number;
}

/** A baseline message with its recipient chosen when it was taken (-1: everyone else). */
interface Addressed extends Prepared {
  to: number;
}

/** Clients of the bare `ws` forwarder: a 7-byte header (type, peer, sequence) and the payload. */
export class BareAdapter implements Adapter {
  onDelivered: Adapter['onDelivered'] = noop;
  onReusable: Adapter['onReusable'] = noop;
  errors: Record<string, number> = {};
  readonly clients: number;
  private sockets: WebSocket[] = [];
  private seq = 1;
  private readonly unicast: Buffer;
  private readonly broadcast: Buffer;

  constructor(o: BaselineOptions) {
    this.clients = o.clients;
    this.unicast = randomBytes(o.unicastBytes);
    this.broadcast = randomBytes(o.broadcastBytes);
  }

  async connect(url: string): Promise<void> {
    this.sockets = new Array(this.clients);
    await pool(this.clients, 32, (i) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url}/?id=${i}`, { rejectUnauthorized: false, perMessageDeflate: false });
      this.sockets[i] = ws;
      ws.once('error', reject);
      ws.once('open', () => {
        ws.on('error', () => count(this.errors, 'socket error'));
        ws.on('message', (d: Buffer) => this.onDelivered(d.readUInt32BE(3), i));
        resolve();
      });
    }));
  }

  take(sender: number): Addressed {
    return { key: this.seq++ >>> 0, sender, recipients: 1, to: pickOther(this.clients, sender) };
  }

  takeBroadcast(): Addressed {
    return { key: this.seq++ >>> 0, sender: 0, recipients: this.clients - 1, to: -1 };
  }

  send(p: Prepared): void {
    const { to } = p as Addressed;
    const all = to < 0;
    const payload = all ? this.broadcast : this.unicast;
    const frame = Buffer.allocUnsafe(7 + payload.byteLength);
    frame[0] = all ? 2 : 1;
    frame.writeUInt16BE(all ? 0 : to, 1);
    frame.writeUInt32BE(p.key as number, 3);
    payload.copy(frame, 7);
    this.sockets[p.sender]!.send(frame);
  }

  idle(): boolean {
    return true;
  }

  close(): void {
    for (const ws of this.sockets) ws?.terminate();
    this.sockets = [];
  }
}

type IoSocket = import('socket.io-client').Socket;

/** Socket.IO clients (WebSocket transport only): emit('m', to, seq, payload), emit('b', seq, payload). */
export class SocketIoAdapter implements Adapter {
  onDelivered: Adapter['onDelivered'] = noop;
  onReusable: Adapter['onReusable'] = noop;
  errors: Record<string, number> = {};
  readonly clients: number;
  private sockets: IoSocket[] = [];
  private seq = 1;
  private readonly unicast: Buffer;
  private readonly broadcast: Buffer;

  constructor(o: BaselineOptions) {
    this.clients = o.clients;
    this.unicast = randomBytes(o.unicastBytes);
    this.broadcast = randomBytes(o.broadcastBytes);
  }

  async connect(url: string): Promise<void> {
    const { io } = await import('socket.io-client');
    const https = url.replace(/^wss:/, 'https:');
    this.sockets = new Array(this.clients);
    await pool(this.clients, 32, (i) => new Promise<void>((resolve, reject) => {
      const s = io(https, { transports: ['websocket'], query: { id: String(i) }, rejectUnauthorized: false, reconnection: false, forceNew: true });
      this.sockets[i] = s;
      s.once('connect_error', reject);
      s.once('connect', () => {
        s.on('m', (_from: number, seq: number) => this.onDelivered(seq, i));
        s.on('disconnect', () => count(this.errors, 'disconnected'));
        resolve();
      });
    }));
  }

  take(sender: number): Addressed {
    return { key: this.seq++, sender, recipients: 1, to: pickOther(this.clients, sender) };
  }

  takeBroadcast(): Addressed {
    return { key: this.seq++, sender: 0, recipients: this.clients - 1, to: -1 };
  }

  send(p: Prepared): void {
    const { to } = p as Addressed;
    const s = this.sockets[p.sender]!;
    if (to < 0) s.emit('b', p.key, this.broadcast);
    else s.emit('m', to, p.key, this.unicast);
  }

  idle(): boolean {
    return true;
  }

  close(): void {
    for (const s of this.sockets) {
      s?.off('disconnect');
      s?.disconnect();
    }
    this.sockets = [];
  }
}

// An in-memory stand-in for the server, for the client core's unit tests: it speaks
// the real frames (encode/decode with the protocol codec) over a fake socket, checks
// login proofs with the real crypto, and lets a test script pushes and replies.
import {
  generateIdentity, parseBundle, randomId, sealEnvelope, verifyLogin, type Identity, type PublicBundle,
} from '../crypto/index.js';
import {
  decodeClientFrame, encodeServerFrame, PROTOCOL_VERSION, type ClientFrame, type ServerFrameInit,
} from '../protocol/index.js';
import type { Connector, SocketLike } from './socket-like.js';

export const CERT_FP = new Uint8Array(32).fill(7);

/** One connection as the fake server sees it. */
export class FakeConnection {
  readonly received: ClientFrame[] = [];
  closed: { code: number; reason: string } | undefined;
  private onMessage: ((d: Uint8Array) => void) | undefined;
  private readonly early: Uint8Array[] = [];
  private onClose: ((code: number, reason: string) => void) | undefined;
  private waiters: { pred: (f: ClientFrame) => boolean; resolve: (f: ClientFrame) => void }[] = [];
  readonly nonce = crypto.getRandomValues(new Uint8Array(32));
  name: string | undefined;

  constructor(private readonly server: FakeServer) {}

  /** The client's end. */
  socket(): SocketLike {
    return {
      send: (data) => {
        if (this.closed) return;
        const frame = decodeClientFrame(data);
        queueMicrotask(() => this.handle(frame));
      },
      close: (code = 1000, reason = '') => this.close(code, reason),
      bufferedAmount: 0,
      onMessage: (h) => {
        this.onMessage = h;
        for (const bytes of this.early.splice(0)) h(bytes);
      },
      onClose: (h) => {
        this.onClose = h;
      },
    };
  }

  push(frame: ServerFrameInit): void {
    if (this.closed) return;
    const bytes = encodeServerFrame(frame);
    // Like a real adapter, hold frames until the client listens (SocketLike's contract).
    queueMicrotask(() => (this.onMessage ? this.onMessage(bytes) : this.early.push(bytes)));
  }

  close(code: number, reason = ''): void {
    if (this.closed) return;
    this.closed = { code, reason };
    queueMicrotask(() => this.onClose?.(code, reason));
  }

  /** Resolves with the first frame (seen or future) matching `pred`. */
  waitFor(pred: (f: ClientFrame) => boolean, ms = 5_000): Promise<ClientFrame> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching client frame')), ms);
      this.waiters.push({ pred, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  private async handle(frame: ClientFrame): Promise<void> {
    this.received.push(frame);
    this.waiters = this.waiters.filter((w) => (w.pred(frame) ? (w.resolve(frame), false) : true));
    await this.server.handle(this, frame);
  }
}

/** A scripted server: login per the protocol, then whatever the test's `onFrame` does. */
export class FakeServer {
  readonly connections: FakeConnection[] = [];
  /** name → bundle bytes of everyone registered (the roster). */
  readonly registered = new Map<string, Uint8Array>();
  readonly online = new Set<string>();
  /** Frames pushed right after Welcome (a stored backlog). */
  backlog: ServerFrameInit[] = [];
  /** Answer to Send: default Accepted with deliveredNow 1. */
  onSend: (conn: FakeConnection, frame: ClientFrame) => ServerFrameInit | undefined = (_c, f) =>
    f.body.case === 'send' ? { req: f.req, body: { case: 'accepted', value: { id: f.body.value.id, deliveredNow: 1, stored: 0 } } } : undefined;
  /** Refuse logins with this wire error name. */
  refuseLogin: string | undefined;
  /** Connections the connector refuses outright (count down). */
  refuseConnections = 0;

  connector: Connector = async () => {
    if (this.refuseConnections > 0) {
      this.refuseConnections--;
      throw new Error('connection refused');
    }
    const conn = new FakeConnection(this);
    this.connections.push(conn);
    conn.push({ body: { case: 'challenge', value: { protocolVersion: PROTOCOL_VERSION, nonce: conn.nonce, server: 'fake', maxFrameBytes: 1 << 20, certFingerprint: CERT_FP } } });
    return { socket: conn.socket(), certFingerprint: CERT_FP };
  };

  get last(): FakeConnection {
    return this.connections[this.connections.length - 1]!;
  }

  peers() {
    return [...this.registered].map(([name, bundle]) => ({ name, bundle, online: this.online.has(name) }));
  }

  async handle(conn: FakeConnection, f: ClientFrame): Promise<void> {
    switch (f.body.case) {
      case 'login': {
        const login = f.body.value;
        const bundle = await parseBundle(login.bundle);
        const ok = await verifyLogin(bundle, conn.nonce, CERT_FP, login.name, login.signature);
        const refuse = this.refuseLogin ?? (ok ? undefined : 'BAD_PROOF');
        if (refuse) {
          conn.push({ req: f.req, body: { case: 'error', value: { code: 11, name: refuse, message: 'refused' } } });
          conn.close(4003, refuse);
          return;
        }
        conn.name = login.name;
        this.registered.set(login.name, login.bundle);
        this.online.add(login.name);
        conn.push({ req: f.req, body: { case: 'welcome', value: { name: login.name, peers: this.peers(), serverTime: BigInt(Date.now()) } } });
        for (const b of this.backlog) conn.push(b);
        return;
      }
      case 'send': {
        const reply = this.onSend(conn, f);
        if (reply) conn.push(reply);
        return;
      }
      case 'rosterRequest':
        conn.push({ req: f.req, body: { case: 'roster', value: { peers: this.peers() } } });
        return;
      case 'peerRequest': {
        const bundle = this.registered.get(f.body.value.name);
        if (!bundle) conn.push({ req: f.req, body: { case: 'error', value: { code: 20, name: 'UNKNOWN_PEER', message: 'no such user' } } });
        else conn.push({ req: f.req, body: { case: 'peerInfo', value: { name: f.body.value.name, bundle, online: this.online.has(f.body.value.name) } } });
        return;
      }
      case 'keyRotation':
        this.registered.set(conn.name!, f.body.value.newBundle);
        conn.push({ req: f.req, body: { case: 'peerInfo', value: { name: conn.name!, bundle: f.body.value.newBundle, online: true } } });
        return;
      default:
        return;
    }
  }
}

/** A registered peer the test can seal messages as. */
export async function fakePeer(server: FakeServer, name: string, identity?: Identity): Promise<{ name: string; identity: Identity }> {
  const id = identity ?? (await generateIdentity());
  server.registered.set(name, id.bundle.bytes);
  return { name, identity: id };
}

/** A Deliver frame of `text` from `from` to `to` (one recipient), sealed for real. */
export async function deliverFrame(
  from: { name: string; identity: Identity },
  to: { name: string; bundle: PublicBundle },
  text: string,
  opts: { id?: Uint8Array; ts?: number; toAll?: boolean; claimedFrom?: string } = {},
): Promise<ServerFrameInit> {
  const id = opts.id ?? randomId();
  const envelope = await sealEnvelope({
    sender: from.identity, senderName: from.name, recipients: [to], id, ts: opts.ts ?? Date.now(), toAll: opts.toAll ?? false,
    plaintext: new TextEncoder().encode(text),
  });
  return { body: { case: 'deliver', value: { id, from: opts.claimedFrom ?? from.name, toAll: opts.toAll ?? false, envelope, serverTs: BigInt(Date.now()) } } };
}

import {
  fingerprintDigits, isCryptoError, openEnvelope, parseBundle, randomId, ReplayWindow, safetyNumber, sealEnvelope,
  signLogin, signRotation, toHex, type Identity, type PublicBundle,
} from '../crypto/index.js';
import {
  canonicalName, decodeServerFrame, encodeClientFrame, PROTOCOL_VERSION, RosterUpdate_Event,
  type ClientFrameInit, type PeerInfo, type ServerFrame,
} from '../protocol/index.js';
import { ClientError } from './client-error.js';
import { Emitter } from './event-emitter.js';
import type { Connector, SocketLike } from './socket-like.js';
import type { ClientStorage } from './storage.js';
import { TrustStore } from './trust-store.js';
import { VideoStream } from './video-stream.js';

export interface ClientOptions {
  url: string;
  name: string;
  identity: Identity;
  connector: Connector;
  storage: ClientStorage;
  /** Software name shown to operators. */
  clientName?: string;
  /** Reconnect with backoff and jitter when the connection drops (not after close()). */
  autoReconnect?: boolean;
  requestTimeoutMs?: number;
}

/** A peer as the user sees it. */
export interface PeerView {
  name: string;
  online: boolean;
  fingerprint: Uint8Array;
  digits: string;
  /** new: first seen now; trusted: as remembered; changed: key differs from the remembered one (blocked); verified: compared out of band. */
  trust: 'trusted' | 'changed' | 'verified';
  isSelf: boolean;
}

export interface ReceivedMessage {
  id: string;
  from: string;
  /** Your own name, or "all" for a message to everyone. */
  to: string;
  toAll: boolean;
  text: string;
  /** Sender's timestamp (ms). */
  ts: number;
  /** False when the sender's key changed and the change is not accepted yet. */
  verified: boolean;
}

export interface SendResult {
  id: string;
  deliveredNow: number;
  stored: number;
}

export interface ClientEvents extends Record<string, unknown> {
  message: ReceivedMessage;
  rejected: { id: string; from: string; code: string; reason: string };
  /** A message id already shown arrived again (a retry or a replay): acknowledged, not shown. */
  duplicate: { id: string; from: string };
  delivered: { id: string; by: string };
  joined: { name: string };
  left: { name: string };
  keyChanged: { name: string; previous: string; current: string };
  roster: PeerView[];
  disconnected: { code: number; reason: string; willReconnect: boolean };
  reconnected: { attempt: number };
  frame: ServerFrame;
  error: { code: string; message: string };
}

interface Pending {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface PeerRecord {
  bundle: PublicBundle;
  online: boolean;
}

const REPLAY_KEY = 'replay';

/**
 * The client core: login, roster with trust on first use, sealing and opening
 * envelopes, acknowledgements and duplicate suppression. No terminal or DOM code:
 * the CLI and the web app are two faces on it.
 */
export class SealcastClient extends Emitter<ClientEvents> {
  readonly name: string;
  identity: Identity;
  private socket: SocketLike | undefined;
  private nonce: Uint8Array | undefined;
  private certFingerprint: Uint8Array | undefined;
  private readonly inFlight = new Map<number, Pending>();
  private nextReq = 1;
  private readonly peers = new Map<string, PeerRecord>();
  private trust!: TrustStore;
  private replay!: ReplayWindow;
  private closedByUser = false;
  private connected = false;
  private reconnectAttempt = 0;
  /** Sends not yet acknowledged by the server; resent with the same id after a reconnect. */
  private readonly unacked = new Map<string, { frame: ClientFrameInit; resolve: (r: SendResult) => void; reject: (e: Error) => void }>();
  private replaySave: ReturnType<typeof setTimeout> | undefined;
  private readonly streams = new Map<number, VideoStream>();
  private nextStreamId = 1;
  /** Deliveries are handled one at a time, in order. */
  private inbox: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ClientOptions) {
    super();
    this.name = canonicalName(opts.name);
    this.identity = opts.identity;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects and logs in; resolves once the server welcomed us. */
  async connect(): Promise<void> {
    this.trust ??= await TrustStore.load(this.opts.storage);
    if (!this.replay) {
      const raw = await this.opts.storage.get(REPLAY_KEY);
      this.replay = raw ? ReplayWindow.fromJSON(JSON.parse(raw)) : new ReplayWindow();
    }
    this.closedByUser = false;
    await this.open();
  }

  private async open(): Promise<void> {
    const { socket, certFingerprint } = await this.opts.connector(this.opts.url);
    this.socket = socket;
    const challenge = new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ClientError('TIMEOUT', 'no challenge from the server')), this.timeout());
      this.once('frame', (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
    socket.onMessage((data) => this.onData(data));
    socket.onClose((code, reason) => this.onClose(socket, code, reason));
    const first = await challenge;
    if (first.body.case !== 'challenge') throw new ClientError('BAD_SERVER_FRAME', 'server did not open with a challenge');
    const ch = first.body.value;
    this.nonce = ch.nonce;
    // Sign the certificate we saw; browsers, which cannot see it, sign what the server states.
    this.certFingerprint = certFingerprint ?? ch.certFingerprint;
    const signature = await signLogin(this.identity, ch.nonce, this.certFingerprint, this.name);
    const reply = await this.request({
      body: {
        case: 'login',
        value: { protocolVersion: PROTOCOL_VERSION, name: this.name, bundle: this.identity.bundle.bytes, signature, client: this.opts.clientName ?? 'sealcast' },
      },
    }).catch((e: unknown) => {
      socket.close(1000, 'login failed');
      throw e;
    });
    if (reply.body.case !== 'welcome') throw new ClientError('LOGIN_FAILED', 'unexpected answer to login');
    this.connected = true;
    for (const p of reply.body.value.peers) await this.learnPeer(p);
    this.emit('roster', this.peerList());
    for (const u of this.unacked.values()) this.resendUnacked(u.frame);
  }

  private timeout(): number {
    return this.opts.requestTimeoutMs ?? 15_000;
  }

  /** Sends a frame and waits for the answer with the same req (an Error answer rejects with its wire name). */
  request(frame: ClientFrameInit, timeoutMs = this.timeout()): Promise<ServerFrame> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new ClientError('NOT_CONNECTED', 'not connected'));
    const req = this.nextReq++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(req);
        reject(new ClientError('TIMEOUT', `no answer from the server in ${timeoutMs} ms`));
      }, timeoutMs);
      this.inFlight.set(req, { resolve, reject, timer });
      socket.send(encodeClientFrame({ ...frame, req }));
    });
  }

  /** Sends a frame that expects no answer. */
  post(frame: ClientFrameInit): void {
    this.socket?.send(encodeClientFrame(frame));
  }

  private onData(data: Uint8Array): void {
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data);
    } catch (e) {
      this.emit('error', { code: 'BAD_SERVER_FRAME', message: (e as Error).message });
      return;
    }
    if (frame.req) {
      const p = this.inFlight.get(frame.req);
      if (p) {
        this.inFlight.delete(frame.req);
        clearTimeout(p.timer);
        if (frame.body.case === 'error') {
          const err = frame.body.value;
          p.reject(new ClientError(err.name || 'SERVER_ERROR', err.message, { wireCode: err.code }));
        } else p.resolve(frame);
      }
    }
    this.emit('frame', frame);
    switch (frame.body.case) {
      case 'deliver': {
        const d = frame.body.value;
        this.inbox = this.inbox.then(() => this.onDeliver(d.id, d.from, d.toAll, d.envelope)).catch((e: unknown) => {
          this.emit('error', { code: 'DELIVERY_FAILED', message: String(e) });
        });
        return;
      }
      case 'delivered':
        this.emit('delivered', { id: toHex(frame.body.value.id), by: frame.body.value.by });
        return;
      case 'rosterUpdate': {
        const u = frame.body.value;
        if (u.peer) void this.onRosterUpdate(u.event, u.peer);
        return;
      }
      case 'error':
        if (!frame.req) this.emit('error', { code: frame.body.value.name, message: frame.body.value.message });
        return;
      case 'reconnect':
        return;
      case 'streamStart':
      case 'segmentChunk':
      case 'streamEnd': {
        const stream = this.streams.get(frame.body.value.streamId);
        stream?.onFrame(frame);
        if (frame.body.case === 'streamEnd') this.streams.delete(frame.body.value.streamId);
        return;
      }
      default:
        return;
    }
  }

  private async onRosterUpdate(event: RosterUpdate_Event, peer: PeerInfo): Promise<void> {
    await this.learnPeer(peer);
    if (event === RosterUpdate_Event.JOINED) this.emit('joined', { name: peer.name });
    if (event === RosterUpdate_Event.LEFT) this.emit('left', { name: peer.name });
    this.emit('roster', this.peerList());
  }

  /** Parses a peer's bundle and runs it through the trust store, announcing a changed key. */
  private async learnPeer(p: PeerInfo): Promise<PeerRecord | undefined> {
    let bundle: PublicBundle;
    try {
      bundle = await parseBundle(p.bundle);
    } catch {
      this.emit('error', { code: 'BAD_BUNDLE', message: `the server sent an invalid key for ${p.name}` });
      return undefined;
    }
    const rec = { bundle, online: p.online };
    this.peers.set(p.name, rec);
    if (p.name === this.name) return rec;
    const seen = this.trust.observe(p.name, bundle.fingerprint);
    if (seen.status === 'changed') {
      this.emit('keyChanged', { name: p.name, previous: seen.previous!, current: toHex(bundle.fingerprint) });
    }
    return rec;
  }

  private async peerRecord(name: string): Promise<PeerRecord> {
    const known = this.peers.get(name);
    if (known) return known;
    const reply = await this.request({ body: { case: 'peerRequest', value: { name } } });
    if (reply.body.case !== 'peerInfo') throw new ClientError('UNKNOWN_PEER', `no user "${name}"`);
    const rec = await this.learnPeer(reply.body.value);
    if (!rec) throw new ClientError('UNKNOWN_PEER', `no usable key for "${name}"`);
    return rec;
  }

  private async onDeliver(idBytes: Uint8Array, from: string, toAll: boolean, envelope: Uint8Array): Promise<void> {
    const id = toHex(idBytes);
    const reject = (code: string, reason: string) => {
      this.emit('rejected', { id, from, code, reason });
      // Acknowledged anyway: a bad envelope must not be redelivered forever.
      this.post({ body: { case: 'ack', value: { id: idBytes } } });
    };
    let sender: PeerRecord;
    try {
      sender = await this.peerRecord(from);
    } catch {
      return reject('UNKNOWN_PEER', 'sender is not registered');
    }
    let opened;
    try {
      opened = await openEnvelope({ recipient: this.identity, recipientName: this.name, sender: sender.bundle, senderName: from, bytes: envelope });
    } catch (e) {
      if (isCryptoError(e)) return reject(e.code, e.message);
      throw e;
    }
    if (toHex(opened.id) !== id || opened.toAll !== toAll) return reject('BAD_ENVELOPE', 'envelope does not match its delivery');
    if (this.replay.has(sender.bundle.fingerprint, opened.id)) {
      // A redelivery of a message already shown (e.g. our ack was lost in a crash): ack, show nothing.
      this.post({ body: { case: 'ack', value: { id: idBytes } } });
      this.emit('duplicate', { id, from });
      return;
    }
    try {
      this.replay.check(sender.bundle.fingerprint, opened.id, opened.ts);
    } catch (e) {
      if (isCryptoError(e)) return reject(e.code, e.message);
      throw e;
    }
    this.scheduleReplaySave();
    this.emit('message', {
      id, from, to: toAll ? 'all' : this.name, toAll, ts: opened.ts,
      text: new TextDecoder().decode(opened.plaintext),
      verified: !this.trust.isBlocked(from),
    });
    this.post({ body: { case: 'ack', value: { id: idBytes } } });
  }

  private scheduleReplaySave(): void {
    if (this.replaySave) return;
    this.replaySave = setTimeout(() => {
      this.replaySave = undefined;
      void this.flushState();
    }, 200);
  }

  /** Writes the replay window and trust store now. */
  async flushState(): Promise<void> {
    if (this.replaySave) {
      clearTimeout(this.replaySave);
      this.replaySave = undefined;
    }
    if (this.replay) await this.opts.storage.set(REPLAY_KEY, JSON.stringify(this.replay.toJSON()));
    if (this.trust) await this.trust.save();
  }

  /**
   * Encrypts `text` on this machine to `to` (a name, or "all") and sends it.
   * Resolves when the server has stored it. Refuses peers whose key changed unaccepted.
   */
  async send(to: string, text: string): Promise<SendResult> {
    const toAll = to === 'all' || to === '*';
    let recipients: { name: string; bundle: PublicBundle }[];
    if (toAll) {
      recipients = [...this.peers.entries()].filter(([n]) => n !== this.name).map(([name, r]) => ({ name, bundle: r.bundle }));
      if (recipients.length === 0) throw new ClientError('UNKNOWN_PEER', 'nobody else is registered yet');
    } else {
      const name = canonicalName(to);
      if (name === this.name) throw new ClientError('UNKNOWN_PEER', 'that is you');
      recipients = [{ name, bundle: (await this.peerRecord(name)).bundle }];
    }
    const blocked = recipients.filter((r) => this.trust.isBlocked(r.name)).map((r) => r.name);
    if (blocked.length > 0) {
      throw new ClientError('KEY_CHANGED', `the key of ${blocked.join(', ')} changed; compare safety numbers and accept the new key before sending`, { peers: blocked });
    }
    const id = randomId();
    const envelope = await sealEnvelope({
      sender: this.identity, senderName: this.name, recipients, id, ts: Date.now(), toAll, plaintext: new TextEncoder().encode(text),
    });
    const frame: ClientFrameInit = { body: { case: 'send', value: { id, to: toAll ? '' : recipients[0]!.name, toAll, envelope } } };
    return this.sendTracked(toHex(id), frame);
  }

  private sendTracked(idHex: string, frame: ClientFrameInit): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      this.unacked.set(idHex, { frame, resolve, reject });
      this.resendUnacked(frame);
    });
  }

  private resendUnacked(frame: ClientFrameInit): void {
    const body = frame.body as { case: 'send'; value: { id: Uint8Array } };
    const idHex = toHex(body.value.id);
    const entry = this.unacked.get(idHex);
    if (!entry || !this.socket) return;
    this.request(frame).then(
      (reply) => {
        this.unacked.delete(idHex);
        if (reply.body.case !== 'accepted') return entry.reject(new ClientError('SEND_FAILED', 'unexpected answer'));
        entry.resolve({ id: idHex, deliveredNow: reply.body.value.deliveredNow, stored: reply.body.value.stored });
      },
      (e: unknown) => {
        // Lost connection: keep it for the resend after reconnecting; otherwise fail.
        if (this.opts.autoReconnect && !this.closedByUser && (e as ClientError).code === 'CLOSED') return;
        this.unacked.delete(idHex);
        entry.reject(e as Error);
      },
    );
  }

  /** The server's video library. */
  async listVideos() {
    const reply = await this.request({ body: { case: 'videoListRequest', value: {} } });
    if (reply.body.case !== 'videoList') throw new ClientError('BAD_SERVER_FRAME', 'unexpected answer');
    return reply.body.value.titles;
  }

  /** A short-lived HLS URL path (with its token) for a title, for browsers and standard players. */
  async hlsToken(title: string): Promise<{ path: string; token: string; expiresAt: number }> {
    const reply = await this.request({ body: { case: 'hlsTokenRequest', value: { title } } });
    if (reply.body.case !== 'hlsToken') throw new ClientError('BAD_SERVER_FRAME', 'unexpected answer');
    return { path: reply.body.value.path, token: reply.body.value.token, expiresAt: Number(reply.body.value.expiresAt) };
  }

  /** Starts streaming a title over this connection; resolves once the server accepted the PLAY. */
  async play(title: string, opts: { policy?: string; startMs?: number; initialCredit?: number } = {}): Promise<VideoStream> {
    const streamId = this.nextStreamId++;
    const stream = new VideoStream(streamId, (body) => this.post({ body } as ClientFrameInit));
    this.streams.set(streamId, stream);
    try {
      // The StreamStart answer is routed to the stream like every other stream frame.
      await this.request({
        body: { case: 'play', value: { streamId, title, policy: opts.policy ?? 'abr', startMs: Math.round(opts.startMs ?? 0), initialCredit: opts.initialCredit ?? 3 } },
      });
    } catch (e) {
      this.streams.delete(streamId);
      throw e;
    }
    return stream;
  }

  /** Our messages the server still holds (recipient offline or not yet acknowledged). */
  async pending(): Promise<{ id: string; to: string; storedAt: number; expiresAt: number }[]> {
    const reply = await this.request({ body: { case: 'pendingRequest', value: {} } });
    if (reply.body.case !== 'pending') throw new ClientError('BAD_SERVER_FRAME', 'unexpected answer');
    return reply.body.value.items.map((p) => ({ id: toHex(p.id), to: p.to, storedAt: Number(p.storedAt), expiresAt: Number(p.expiresAt) }));
  }

  /** Everyone registered, with their key's trust state. */
  peerList(): PeerView[] {
    return [...this.peers.entries()]
      .map(([name, r]) => {
        const t = this.trust.get(name);
        const trust: PeerView['trust'] = this.trust.isBlocked(name) ? 'changed' : t?.verified ? 'verified' : 'trusted';
        return { name, online: r.online, fingerprint: r.bundle.fingerprint, digits: fingerprintDigits(r.bundle.fingerprint), trust, isSelf: name === this.name };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Asks the server for the roster again. */
  async refreshRoster(): Promise<PeerView[]> {
    const reply = await this.request({ body: { case: 'rosterRequest', value: {} } });
    if (reply.body.case === 'roster') for (const p of reply.body.value.peers) await this.learnPeer(p);
    return this.peerList();
  }

  /** Fingerprints and safety number to compare with `name` out of band. */
  async verification(name: string): Promise<{ mine: string; theirs: string; safetyNumber: string; pendingChange: boolean }> {
    const peer = await this.peerRecord(canonicalName(name));
    const n = canonicalName(name);
    return {
      mine: fingerprintDigits(this.identity.bundle.fingerprint),
      theirs: fingerprintDigits(peer.bundle.fingerprint),
      safetyNumber: safetyNumber({ name: this.name, fingerprint: this.identity.bundle.fingerprint }, { name: n, fingerprint: peer.bundle.fingerprint }),
      pendingChange: this.trust.isBlocked(n),
    };
  }

  acceptKey(name: string): boolean {
    const ok = this.trust.accept(canonicalName(name));
    if (ok) this.emit('roster', this.peerList());
    return ok;
  }

  markVerified(name: string): boolean {
    const ok = this.trust.markVerified(canonicalName(name));
    if (ok) this.emit('roster', this.peerList());
    return ok;
  }

  isBlocked(name: string): boolean {
    return this.trust.isBlocked(canonicalName(name));
  }

  /** Replaces our key: the old key signs the new bundle, the new key proves itself on this connection. */
  async rotateKey(newIdentity: Identity): Promise<void> {
    if (!this.nonce || !this.certFingerprint) throw new ClientError('NOT_CONNECTED', 'not connected');
    const signature = await signRotation(this.identity, this.name, newIdentity.bundle);
    const newLoginSignature = await signLogin(newIdentity, this.nonce, this.certFingerprint, this.name);
    const reply = await this.request({ body: { case: 'keyRotation', value: { newBundle: newIdentity.bundle.bytes, signature, newLoginSignature } } });
    if (reply.body.case !== 'peerInfo') throw new ClientError('BAD_ROTATION', 'unexpected answer to rotation');
    this.identity = newIdentity;
    await this.learnPeer(reply.body.value);
  }

  private onClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.connected = false;
    this.socket = undefined;
    for (const [req, p] of this.inFlight) {
      clearTimeout(p.timer);
      p.reject(new ClientError('CLOSED', `connection closed (${code}${reason ? `: ${reason}` : ''})`));
      this.inFlight.delete(req);
    }
    const willReconnect = !!this.opts.autoReconnect && !this.closedByUser && code !== 4003 && code !== 4011;
    this.emit('disconnected', { code, reason, willReconnect });
    if (willReconnect) void this.reconnectLoop();
    else for (const u of this.unacked.values()) u.reject(new ClientError('CLOSED', 'connection closed before the server stored the message'));
  }

  private async reconnectLoop(): Promise<void> {
    while (!this.closedByUser && !this.connected) {
      this.reconnectAttempt++;
      // Exponential backoff with full jitter, capped at 10 s, so a restarted server is not stampeded.
      const cap = Math.min(10_000, 250 * 2 ** Math.min(this.reconnectAttempt, 6));
      await new Promise((r) => setTimeout(r, Math.random() * cap));
      if (this.closedByUser) return;
      try {
        await this.open();
        this.emit('reconnected', { attempt: this.reconnectAttempt });
        this.reconnectAttempt = 0;
      } catch {
        this.socket?.close();
      }
    }
  }

  /** Closes the connection for good and saves state. */
  async close(): Promise<void> {
    this.closedByUser = true;
    await this.inbox;
    await this.flushState();
    this.socket?.close(1000, 'bye');
  }
}

import {
  fingerprintDigits, fromHex, isCryptoError, openEnvelope, parseBundle, randomId, readEnvelopeHeader, ReplayWindow,
  safetyNumber, sealEnvelope, signLogin, signRotation, toHex, type Identity, type Opened, type PublicBundle,
} from '../crypto/index.js';
import {
  canonicalName, CLOSE_CODES, decodeServerFrame, encodeClientFrame, LIMITS, PROTOCOL_VERSION, RosterUpdate_Event,
  type Challenge, type ClientFrameInit, type Deliver, type PeerInfo, type ServerFrame,
} from '../protocol/index.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ClientError, isClientError } from './client-error.js';
import { Emitter } from './event-emitter.js';
import type { Connector, SocketLike } from './socket-like.js';
import type { ClientStorage } from './storage.js';
import { TrustStore } from './trust-store.js';
import { VideoStream } from './video-stream.js';

/** How a SealcastClient is set up. */
export interface ClientOptions {
  /** wss://HOST:PORT/ws */
  url: string;
  /** Our name; compared in canonical (lower-case) form. */
  name: string;
  /** Our keys; never leave this object. */
  identity: Identity;
  /** Opens the socket (Node: ws with certificate pinning; browsers: webSocketConnector()). */
  connector: Connector;
  /** Where peer keys (trust on first use) and the replay window persist. */
  storage: ClientStorage;
  /** Software name shown to operators, e.g. "sealcast-cli/0.1". */
  clientName?: string;
  /** Reconnect with backoff and jitter when an established connection drops (never after close()). */
  autoReconnect?: boolean;
  backoff?: BackoffOptions;
  /** How long one request waits for its answer (ms); default 15,000. */
  requestTimeoutMs?: number;
  /** How long send() may take in all, reconnects included (ms); default 60,000. */
  sendTimeoutMs?: number;
  /**
   * Whether to take deliveries (default true). One-shot tools that only send or
   * list set it false: messages then stay on the server for the next real reader
   * instead of being acknowledged unseen.
   */
  receive?: boolean;
  /** Our earlier identities, to open messages sealed to them before a key rotation. */
  retiredIdentities?: Identity[];
  /**
   * Awaited after a message is shown and before it is acknowledged, so an app can make it
   * durable first (the server deletes a message once acknowledged). If it fails, the message
   * is still acknowledged (it was shown) and an error event reports the failure.
   */
  beforeAck?: (message: { id: string; from: string; toAll: boolean }) => Promise<void>;
}

/** Trust state of a peer's key, as shown to the user. */
export type PeerTrustState =
  /** First seen (trust on first use) or accepted, not compared out of band. */
  | 'trusted'
  /** Compared out of band (safety numbers) and marked verified. */
  | 'verified'
  /** The server announces another key than the trusted one: sending is refused until accepted. */
  | 'changed'
  /** This is us. */
  | 'self';

/** A peer as the user sees it. */
export interface PeerView {
  name: string;
  online: boolean;
  /** Fingerprint of the key the server currently announces. */
  fingerprint: Uint8Array;
  /** The same as 30 digits in groups of 5. */
  digits: string;
  trust: PeerTrustState;
  /** When trust is "changed": the fingerprint still trusted (hex). */
  trustedFingerprint?: string;
  isSelf: boolean;
}

/** A message that opened and verified. */
export interface ReceivedMessage {
  /** Message id (32 hex digits), the same the sender got from send(). */
  id: string;
  from: string;
  /** Our own name, or "all" for a message to everyone. */
  to: string;
  toAll: boolean;
  text: string;
  /** Sender's timestamp (ms since the epoch), from inside the signed envelope. */
  ts: number;
  /** When the server stored it (ms); not authenticated. */
  serverTs: number;
  /**
   * True when the envelope is signed by the key we trust for the sender (first
   * seen or accepted). False when it is signed by a new key of the sender that the
   * user has not accepted yet: the message is shown, but must be flagged.
   */
  verified: boolean;
  /** Fingerprint (hex) of the key that signed the message. */
  senderFingerprint: string;
}

/** The server's answer to a send: stored for every recipient. */
export interface SendResult {
  /** Message id, 32 hex digits. */
  id: string;
  /** Recipients online and handed the message at once. */
  deliveredNow: number;
  /** Recipients offline, who get it when they next log in. */
  stored: number;
}

/** Events of SealcastClient. */
export interface ClientEvents extends Record<string, unknown> {
  /** Logged in (first time or after a reconnect). */
  connected: { name: string; reconnect: boolean };
  message: ReceivedMessage;
  /** A delivery that failed verification; acknowledged so it is not redelivered forever. */
  rejected: { id: string; from: string; code: string; reason: string };
  /** A message id already shown arrived again (a retry or a replay): acknowledged, not shown. */
  duplicate: { id: string; from: string };
  /** A recipient opened a message we sent. */
  delivered: { id: string; by: string };
  joined: { name: string };
  left: { name: string };
  /** A peer's key differs from the trusted one; fingerprints in hex and as digits. */
  keyChanged: { name: string; previous: string; current: string; previousDigits: string; currentDigits: string };
  /** The roster changed (any join, leave, key or trust change). */
  roster: PeerView[];
  /** Our own key was replaced (rotateKey). */
  rotated: { fingerprint: string };
  disconnected: { code: number; reason: string; willReconnect: boolean };
  reconnected: { attempt: number };
  /** Every decoded server frame, for features layered on the core (video). */
  frame: ServerFrame;
  error: { code: string; message: string };
}

/** Connection state. */
export type ClientState = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'closed';

interface PendingRequest {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface PeerRecord {
  bundle: PublicBundle;
  online: boolean;
}

interface OutgoingSend {
  frame: ClientFrameInit;
  resolve: (r: SendResult) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const REPLAY_KEY = 'replay';
/** Close codes after which reconnecting would not help (or would fight another session). */
const NO_RECONNECT = new Set<number>([
  CLOSE_CODES.AUTH_FAILED, CLOSE_CODES.REPLACED, CLOSE_CODES.PROTOCOL_VIOLATION, CLOSE_CODES.TOO_LARGE,
]);
/** Login failures that a retry cannot fix. */
const FATAL_LOGIN = new Set(['NAME_TAKEN', 'BAD_PROOF', 'BAD_BUNDLE', 'NAME_INVALID', 'VERSION_UNSUPPORTED', 'CERT_CHANGED', 'LOGIN_FAILED', 'STATE_DAMAGED']);

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The client core: login, roster with trust on first use of peer keys, sealing
 * and opening envelopes, acknowledgements, duplicate suppression and reconnects.
 * No terminal, DOM or Node code: the CLI and the web app are two faces on it.
 *
 * Order of work: server pushes that need async work (the Welcome roster, roster
 * updates, deliveries) are handled one at a time in arrival order, so a message
 * is never opened before the roster that precedes it was learned.
 */
export class SealcastClient extends Emitter<ClientEvents> {
  /** Our canonical name. */
  readonly name: string;
  /** Our current identity (replaced by rotateKey). */
  identity: Identity;
  private readonly retired: Identity[];
  private state_: ClientState = 'idle';
  private socket: SocketLike | undefined;
  private session: { nonce: Uint8Array; certFingerprint: Uint8Array } | undefined;
  private challengeWaiter: { resolve: (c: Challenge) => void; reject: (e: Error) => void } | undefined;
  private rosterReady: Promise<void> = Promise.resolve();
  private readonly inFlight = new Map<number, PendingRequest>();
  private nextReq = 1;
  private readonly peers = new Map<string, PeerRecord>();
  private trust: TrustStore | undefined;
  private replay: ReplayWindow | undefined;
  /** Peers whose key change was announced in this session (announced once, not on every sighting). */
  private readonly announced = new Map<string, string>();
  private closedByUser = false;
  private everConnected = false;
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private serverDelayMs: number | undefined;
  /** Sends not yet accepted by the server; resent with the same id after a reconnect. */
  private readonly unacked = new Map<string, OutgoingSend>();
  private replaySave: ReturnType<typeof setTimeout> | undefined;
  private readonly streams = new Map<number, VideoStream>();
  private nextStreamId = 1;
  /** Deliveries are handled one at a time, in order. */
  private inbox: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ClientOptions) {
    super();
    try {
      this.name = canonicalName(opts.name);
    } catch (e) {
      throw new ClientError('NAME_INVALID', errorMessage(e));
    }
    this.identity = opts.identity;
    this.retired = [...(opts.retiredIdentities ?? [])];
  }

  get state(): ClientState {
    return this.state_;
  }

  get isConnected(): boolean {
    return this.state_ === 'online';
  }

  /** The certificate fingerprint this connection's login proof covers (what the connector saw, else what the server stated). */
  get certFingerprint(): Uint8Array | undefined {
    return this.session?.certFingerprint;
  }

  /**
   * Connects and logs in; resolves once the server welcomed us and the roster was
   * learned. Attach listeners first: key-change warnings and stored messages may
   * be emitted before this resolves. Rejects with a ClientError whose code is the
   * server's wire name (NAME_TAKEN, BAD_PROOF, …) or CONNECT_FAILED, CERT_CHANGED,
   * TIMEOUT, CLOSED.
   */
  async connect(): Promise<void> {
    if (this.state_ === 'online') return;
    if (this.state_ === 'connecting' || this.state_ === 'reconnecting') throw new ClientError('CONNECTING', 'already connecting');
    await this.loadState();
    this.closedByUser = false;
    this.state_ = 'connecting';
    try {
      await this.open();
    } catch (e) {
      if (this.state_ === 'connecting') this.state_ = 'idle';
      throw e;
    }
  }

  private async loadState(): Promise<void> {
    if (!this.trust) {
      try {
        this.trust = await TrustStore.load(this.opts.storage);
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', errorMessage(e));
      }
    }
    if (!this.replay) {
      const raw = await this.opts.storage.get(REPLAY_KEY);
      try {
        this.replay = raw ? ReplayWindow.fromJSON(JSON.parse(raw)) : new ReplayWindow();
      } catch {
        throw new ClientError('STATE_DAMAGED', 'the stored replay window is damaged (not JSON)');
      }
    }
  }

  /** Opens one connection and logs in; on failure the socket is closed and the error thrown. */
  private async open(): Promise<void> {
    let opened: Awaited<ReturnType<Connector>>;
    try {
      opened = await this.opts.connector(this.opts.url);
    } catch (e) {
      throw isClientError(e) ? e : new ClientError('CONNECT_FAILED', `cannot reach the server: ${errorMessage(e)}`);
    }
    const { socket, certFingerprint } = opened;
    if (this.closedByUser) {
      socket.close(CLOSE_CODES.NORMAL, 'bye');
      throw new ClientError('CLOSED', 'the client was closed');
    }
    this.socket = socket;
    const challenge = new Promise<Challenge>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.challengeWaiter = undefined;
        reject(new ClientError('TIMEOUT', 'the server sent no challenge'));
      }, this.requestTimeout());
      this.challengeWaiter = {
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
    socket.onMessage((data) => this.onData(socket, data));
    socket.onClose((code, reason) => this.onClose(socket, code, reason));
    try {
      const ch = await challenge;
      // Sign the certificate we saw; a browser, which cannot see it, signs what the server states.
      const certFp = certFingerprint ?? ch.certFingerprint;
      const signature = await signLogin(this.identity, ch.nonce, certFp, this.name);
      const reply = await this.rawRequest(socket, {
        body: {
          case: 'login',
          value: {
            protocolVersion: PROTOCOL_VERSION, name: this.name, bundle: this.identity.bundle.bytes, signature,
            client: this.opts.clientName ?? 'sealcast',
          },
        },
      });
      if (reply.body.case !== 'welcome') throw new ClientError('LOGIN_FAILED', `the server answered the login with ${reply.body.case}`);
      this.session = { nonce: ch.nonce, certFingerprint: certFp };
      await this.rosterReady;
    } catch (e) {
      this.challengeWaiter = undefined;
      if (this.socket === socket) this.socket = undefined;
      socket.close(CLOSE_CODES.NORMAL, 'login failed');
      throw e;
    }
    if (this.closedByUser) {
      if (this.socket === socket) this.socket = undefined;
      socket.close(CLOSE_CODES.NORMAL, 'bye');
      throw new ClientError('CLOSED', 'the client was closed');
    }
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.state_ = 'online';
    this.emit('connected', { name: this.name, reconnect });
    this.emit('roster', this.peerList());
    for (const entry of this.unacked.values()) this.attemptSend(entry);
  }

  private requestTimeout(): number {
    return this.opts.requestTimeoutMs ?? 15_000;
  }

  /**
   * Sends a frame and waits for the answer carrying the same `req`. An Error answer
   * rejects with a ClientError whose code is the wire name. For features layered
   * on the core; requires a logged-in connection.
   */
  request(frame: ClientFrameInit, timeoutMs = this.requestTimeout()): Promise<ServerFrame> {
    if (this.state_ !== 'online' || !this.socket) return Promise.reject(new ClientError('NOT_CONNECTED', 'not connected'));
    return this.rawRequest(this.socket, frame, timeoutMs);
  }

  private rawRequest(socket: SocketLike | undefined, frame: ClientFrameInit, timeoutMs = this.requestTimeout()): Promise<ServerFrame> {
    if (!socket || socket !== this.socket) return Promise.reject(new ClientError('NOT_CONNECTED', 'not connected'));
    const req = this.nextReq;
    this.nextReq = this.nextReq >= 0x7fffffff ? 1 : this.nextReq + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.inFlight.delete(req);
        reject(new ClientError('TIMEOUT', `no answer from the server in ${timeoutMs} ms`));
      }, timeoutMs);
      this.inFlight.set(req, { resolve, reject, timer });
      try {
        socket.send(encodeClientFrame({ ...frame, req }));
      } catch (e) {
        clearTimeout(timer);
        this.inFlight.delete(req);
        reject(new ClientError('NOT_CONNECTED', `cannot send: ${errorMessage(e)}`));
      }
    });
  }

  /** Sends a frame that expects no answer (Ack, Credit, …); dropped when not connected. */
  post(frame: ClientFrameInit): void {
    try {
      this.socket?.send(encodeClientFrame(frame));
    } catch {
      // The connection is going away; whatever needed this frame is redone after a reconnect.
    }
  }

  private onData(socket: SocketLike, data: Uint8Array): void {
    if (socket !== this.socket) return;
    let frame: ServerFrame;
    try {
      frame = decodeServerFrame(data);
    } catch (e) {
      this.emit('error', { code: 'BAD_SERVER_FRAME', message: errorMessage(e) });
      return;
    }
    const body = frame.body;
    if (body.case === 'challenge') {
      const waiter = this.challengeWaiter;
      this.challengeWaiter = undefined;
      waiter?.resolve(body.value);
      return;
    }
    if (frame.req) {
      const p = this.inFlight.get(frame.req);
      if (p) {
        this.inFlight.delete(frame.req);
        clearTimeout(p.timer);
        if (body.case === 'error') {
          p.reject(new ClientError(body.value.name || 'SERVER_ERROR', body.value.message || body.value.name, { wireCode: body.value.code }));
        } else {
          // The roster is learned in arrival order, before any delivery that follows the Welcome.
          if (body.case === 'welcome') this.rosterReady = this.enqueue(() => this.learnPeers(body.value.peers, true));
          p.resolve(frame);
        }
      }
    }
    this.emit('frame', frame);
    switch (body.case) {
      case 'deliver':
        if (this.opts.receive !== false) {
          const d = body.value;
          void this.enqueue(() => this.onDeliver(d));
        }
        return;
      case 'delivered': {
        // The server may send Accepted and Delivered back to back (the recipient acked at once):
        // announce the receipt after the send's own Accepted has reached whoever awaits it.
        const receipt = { id: toHex(body.value.id), by: body.value.by };
        setTimeout(() => this.emit('delivered', receipt), 0);
        return;
      }
      case 'rosterUpdate': {
        const { event, peer } = body.value;
        if (peer) void this.enqueue(() => this.onRosterUpdates([{ event, peer }]));
        return;
      }
      case 'rosterUpdates': {
        const updates = body.value.updates.flatMap(({ event, peer }) => (peer ? [{ event, peer }] : []));
        void this.enqueue(() => this.onRosterUpdates(updates));
        return;
      }
      case 'error':
        if (!frame.req) {
          // An error about one of our sends that is not a reply (should not happen, but ref_id says which).
          const ref = body.value.refId.byteLength ? toHex(body.value.refId) : undefined;
          const entry = ref ? this.unacked.get(ref) : undefined;
          const err = new ClientError(body.value.name || 'SERVER_ERROR', body.value.message || body.value.name, { wireCode: body.value.code });
          if (ref && entry) this.settleSend(ref, err);
          else this.emit('error', { code: err.code, message: err.message });
        }
        return;
      case 'reconnect':
        // The server is going away; it asks us to wait at least this long.
        this.serverDelayMs = body.value.afterMs;
        return;
      case 'streamStart':
      case 'segmentChunk':
      case 'streamEnd': {
        const stream = this.streams.get(body.value.streamId);
        stream?.onFrame(frame);
        if (body.case === 'streamEnd') this.streams.delete(body.value.streamId);
        return;
      }
      default:
        return;
    }
  }

  /** Runs async work on server pushes one at a time, in arrival order; failures become `error` events. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.inbox.then(task).catch((e: unknown) => {
      this.emit('error', { code: isClientError(e) ? e.code : 'INTERNAL', message: errorMessage(e) });
    });
    this.inbox = run;
    return run;
  }

  /** Roster news, in order; the roster is announced once for the batch. */
  private async onRosterUpdates(updates: { event: RosterUpdate_Event; peer: PeerInfo }[]): Promise<void> {
    for (const { event, peer } of updates) {
      await this.learnPeer(peer);
      if (peer.name === this.name) continue;
      if (event === RosterUpdate_Event.JOINED) this.emit('joined', { name: peer.name });
      if (event === RosterUpdate_Event.LEFT) this.emit('left', { name: peer.name });
    }
    this.emit('roster', this.peerList());
  }

  /** Learns a list of peers; a full list (Welcome, Roster) also forgets names no longer registered. */
  private async learnPeers(list: PeerInfo[], full: boolean): Promise<void> {
    for (const p of list) await this.learnPeer(p);
    if (full) {
      const listed = new Set(list.map((p) => p.name));
      for (const name of [...this.peers.keys()]) if (!listed.has(name) && name !== this.name) this.peers.delete(name);
    }
  }

  /** Parses a peer's bundle (once per distinct bundle) and runs it through the trust store. */
  private async learnPeer(p: PeerInfo): Promise<PeerRecord | undefined> {
    const known = this.peers.get(p.name);
    if (known && sameBytes(known.bundle.bytes, p.bundle)) {
      known.online = p.online;
      if (p.name !== this.name) this.checkTrust(p.name, known.bundle);
      return known;
    }
    let bundle: PublicBundle;
    try {
      bundle = await parseBundle(p.bundle);
    } catch {
      this.emit('error', { code: 'BAD_BUNDLE', message: `the server sent an invalid key for ${p.name}` });
      return undefined;
    }
    const rec: PeerRecord = { bundle, online: p.online };
    this.peers.set(p.name, rec);
    if (p.name !== this.name) this.checkTrust(p.name, bundle);
    return rec;
  }

  private checkTrust(name: string, bundle: PublicBundle): void {
    const trust = this.trust!;
    const seen = trust.observe(name, bundle);
    const current = toHex(bundle.fingerprint);
    if (seen.status !== 'changed') {
      this.announced.delete(name);
      return;
    }
    // Announce each change once per session, not on every roster sighting.
    if (this.announced.get(name) === current) return;
    this.announced.set(name, current);
    this.emit('keyChanged', {
      name,
      previous: seen.previous!,
      current,
      previousDigits: fingerprintDigits(fromHex(seen.previous!)),
      currentDigits: fingerprintDigits(bundle.fingerprint),
    });
  }

  /** The peer's record from the roster, else asked of the server (PeerRequest). */
  private async peerRecord(name: string): Promise<PeerRecord> {
    const known = this.peers.get(name);
    if (known) return known;
    const reply = await this.rawRequest(this.socket, { body: { case: 'peerRequest', value: { name } } });
    if (reply.body.case !== 'peerInfo') throw new ClientError('UNKNOWN_PEER', `no user "${name}"`);
    const rec = await this.learnPeer(reply.body.value);
    if (!rec) throw new ClientError('UNKNOWN_PEER', `the server has no usable key for "${name}"`);
    return rec;
  }

  /** The bundle we trust for `name` when it differs from the roster's (a change not accepted yet). */
  private async trustedBundle(name: string): Promise<PublicBundle | undefined> {
    const bytes = this.trust!.trustedBundle(name);
    if (!bytes) return undefined;
    try {
      return await parseBundle(bytes);
    } catch {
      return undefined;
    }
  }

  /**
   * One delivery: check the envelope names the sender and id the server reports,
   * pick the sender key the envelope names (the roster's, or the still-trusted one
   * when a change is pending), verify and open, suppress duplicates and replays,
   * show it, then Ack. Bad envelopes are rejected and acked; transport trouble
   * leaves the message on the server (no Ack) to come again.
   */
  private async onDeliver(d: Deliver): Promise<void> {
    if (this.closedByUser) return;
    const id = toHex(d.id);
    const from = d.from;
    const ack = () => this.post({ body: { case: 'ack', value: { id: d.id } } });
    const reject = (code: string, reason: string) => {
      this.emit('rejected', { id, from, code, reason });
      // Acknowledged anyway: a bad envelope must not be redelivered forever.
      ack();
    };
    let header;
    try {
      header = readEnvelopeHeader(d.envelope);
    } catch (e) {
      return reject(isCryptoError(e) ? e.code : 'BAD_ENVELOPE', 'the envelope is malformed');
    }
    if (header.senderName !== from) return reject('WRONG_SENDER', 'the envelope names another sender than the server reports');
    if (toHex(header.id) !== id) return reject('BAD_ENVELOPE', 'the envelope id differs from the delivery');
    if (header.toAll !== d.toAll) return reject('BAD_ENVELOPE', 'the envelope and the delivery disagree on to-all');
    if (from === this.name) return reject('WRONG_SENDER', 'a message from ourselves');

    let rec: PeerRecord;
    try {
      rec = await this.peerRecord(from);
    } catch (e) {
      if (isClientError(e, 'UNKNOWN_PEER')) return reject('UNKNOWN_PEER', 'the sender is not registered');
      throw e;
    }
    const named = toHex(header.senderFingerprint);
    let sender = rec.bundle;
    if (toHex(sender.fingerprint) !== named) {
      const trusted = await this.trustedBundle(from);
      if (trusted && toHex(trusted.fingerprint) === named) sender = trusted;
    }
    const verified = this.trust!.trustedFingerprint(from) === toHex(sender.fingerprint);

    let opened: Opened | undefined;
    let failure: unknown;
    for (const recipient of [this.identity, ...this.retired]) {
      try {
        opened = await openEnvelope({ recipient, recipientName: this.name, sender, senderName: from, bytes: d.envelope });
        break;
      } catch (e) {
        if (!isCryptoError(e)) throw e;
        failure = e;
        if (!isCryptoError(e, 'NOT_A_RECIPIENT')) break;
      }
    }
    if (!opened) {
      const e = failure as { code?: string; message?: string };
      return reject(e.code ?? 'BAD_ENVELOPE', e.message ?? 'the envelope does not open');
    }
    const replay = this.replay!;
    if (replay.has(sender.fingerprint, opened.id)) {
      // Shown before (our ack was lost, or someone replays it): ack, show nothing.
      ack();
      this.emit('duplicate', { id, from });
      return;
    }
    try {
      replay.check(sender.fingerprint, opened.id, opened.ts);
    } catch (e) {
      if (isCryptoError(e)) return reject(e.code, e.message);
      throw e;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(opened.plaintext);
    } catch {
      return reject('BAD_TEXT', 'the message is not UTF-8 text');
    }
    this.scheduleReplaySave();
    this.emit('message', {
      id, from, to: d.toAll ? 'all' : this.name, toAll: d.toAll, text, ts: opened.ts, serverTs: Number(d.serverTs),
      verified, senderFingerprint: toHex(sender.fingerprint),
    });
    if (this.opts.beforeAck) {
      try {
        await this.opts.beforeAck({ id, from, toAll: d.toAll });
      } catch (e) {
        this.emit('error', { code: 'STORAGE_FAILED', message: `message ${id} was shown but could not be kept: ${errorMessage(e)}` });
      }
    }
    ack();
  }

  private scheduleReplaySave(): void {
    if (this.replaySave) return;
    this.replaySave = setTimeout(() => {
      this.replaySave = undefined;
      void this.flushState().catch((e: unknown) => this.emit('error', { code: 'STORAGE_FAILED', message: errorMessage(e) }));
    }, 200);
  }

  /** Writes the replay window and the peer keys now. */
  async flushState(): Promise<void> {
    if (this.replaySave) {
      clearTimeout(this.replaySave);
      this.replaySave = undefined;
    }
    if (this.replay) await this.opts.storage.set(REPLAY_KEY, JSON.stringify(this.replay.toJSON()));
    if (this.trust) await this.trust.save();
  }

  /**
   * Encrypts `text` on this machine to `to` (a name, or "all" for every registered
   * peer but us, the body encrypted once) and sends it. Resolves when the server
   * has stored it for every recipient (Accepted). Refuses, before anything is sent,
   * peers whose key changed and was not accepted (KEY_CHANGED, `detail.peers`).
   * With autoReconnect a send survives a dropped connection: it is resent with the
   * same id, which the server deduplicates.
   */
  async send(to: string, text: string): Promise<SendResult> {
    if (this.closedByUser) throw new ClientError('CLOSED', 'the client was closed');
    if (this.state_ !== 'online' && !(this.opts.autoReconnect && this.everConnected)) throw new ClientError('NOT_CONNECTED', 'not connected');
    const plaintext = new TextEncoder().encode(text);
    if (plaintext.byteLength > LIMITS.maxPlaintextBytes) {
      throw new ClientError('TOO_LARGE', `the message is ${plaintext.byteLength} bytes; at most ${LIMITS.maxPlaintextBytes} allowed`);
    }
    const toAll = to === 'all' || to === '*';
    let recipients: { name: string; bundle: PublicBundle }[];
    if (toAll) {
      recipients = [...this.peers.entries()].filter(([n]) => n !== this.name).map(([name, r]) => ({ name, bundle: r.bundle }));
      if (recipients.length === 0) throw new ClientError('UNKNOWN_PEER', 'nobody else is registered yet');
    } else {
      let name: string;
      try {
        name = canonicalName(to);
      } catch (e) {
        throw new ClientError('NAME_INVALID', errorMessage(e));
      }
      if (name === this.name) throw new ClientError('BAD_RECIPIENT', 'that is you');
      recipients = [{ name, bundle: (await this.peerRecord(name)).bundle }];
    }
    const blocked = recipients.filter((r) => this.trust!.isBlocked(r.name)).map((r) => r.name);
    if (blocked.length > 0) {
      throw new ClientError(
        'KEY_CHANGED',
        `the key of ${blocked.join(', ')} changed and was not accepted; refusing to send (compare safety numbers, then accept the new key)`,
        { peers: blocked },
      );
    }
    const id = randomId();
    const envelope = await sealEnvelope({
      sender: this.identity, senderName: this.name, recipients, id, ts: Date.now(), toAll, plaintext,
    });
    if (envelope.byteLength > LIMITS.maxEnvelopeBytes) {
      throw new ClientError('TOO_LARGE', `the envelope for ${recipients.length} recipients is ${envelope.byteLength} bytes; at most ${LIMITS.maxEnvelopeBytes}`);
    }
    const frame: ClientFrameInit = { body: { case: 'send', value: { id, to: toAll ? '' : recipients[0]!.name, toAll, envelope } } };
    return this.track(toHex(id), frame);
  }

  private track(idHex: string, frame: ClientFrameInit): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      const timeout = this.opts.sendTimeoutMs ?? 60_000;
      const timer = setTimeout(
        () => this.settleSend(idHex, new ClientError('TIMEOUT', `the server did not accept the message within ${timeout} ms`)),
        timeout,
      );
      const entry: OutgoingSend = { frame, resolve, reject, timer };
      this.unacked.set(idHex, entry);
      if (this.state_ === 'online') this.attemptSend(entry);
    });
  }

  private attemptSend(entry: OutgoingSend): void {
    const body = entry.frame.body as { case: 'send'; value: { id: Uint8Array } };
    const idHex = toHex(body.value.id);
    this.rawRequest(this.socket, entry.frame).then(
      (reply) => {
        if (reply.body.case === 'accepted') {
          this.settleSend(idHex, { id: idHex, deliveredNow: reply.body.value.deliveredNow, stored: reply.body.value.stored });
        } else {
          this.settleSend(idHex, new ClientError('BAD_SERVER_FRAME', `the server answered a send with ${reply.body.case}`));
        }
      },
      (e: unknown) => {
        // A dropped connection: the send waits for the reconnect and goes again with the same id.
        if ((isClientError(e, 'CLOSED') || isClientError(e, 'NOT_CONNECTED')) && this.willRetry()) return;
        this.settleSend(idHex, e instanceof Error ? e : new ClientError('SEND_FAILED', String(e)));
      },
    );
  }

  private willRetry(): boolean {
    return !!this.opts.autoReconnect && !this.closedByUser && this.state_ !== 'idle' && this.state_ !== 'closed';
  }

  private settleSend(idHex: string, outcome: SendResult | Error): void {
    const entry = this.unacked.get(idHex);
    if (!entry) return;
    this.unacked.delete(idHex);
    clearTimeout(entry.timer);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  private failAllSends(err: ClientError): void {
    for (const idHex of [...this.unacked.keys()]) this.settleSend(idHex, err);
  }

  /** The server's video library; `rescan` asks it to read its directory again first (a Refresh). */
  async listVideos(opts: { rescan?: boolean } = {}) {
    const reply = await this.request({ body: { case: 'videoListRequest', value: { rescan: opts.rescan ?? false } } });
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

  /**
   * Tells the server where this user is in a title (the resume point), or that it was watched to the
   * end. No answer comes; a refusal arrives as an 'error' event. Players send it every few seconds
   * while playing and when they pause, stop or end.
   */
  saveWatchProgress(title: string, positionMs: number, finished = false): void {
    this.post({ body: { case: 'watchProgress', value: { title, positionMs: Math.max(0, Math.round(positionMs)), finished } } });
  }

  /** Our messages the server still holds (recipient offline or not yet acknowledged), per recipient. */
  async pending(): Promise<{ id: string; to: string; storedAt: number; expiresAt: number }[]> {
    const reply = await this.request({ body: { case: 'pendingRequest', value: {} } });
    if (reply.body.case !== 'pending') throw new ClientError('BAD_SERVER_FRAME', `the server answered a pending request with ${reply.body.case}`);
    return reply.body.value.items.map((p) => ({ id: toHex(p.id), to: p.to, storedAt: Number(p.storedAt), expiresAt: Number(p.expiresAt) }));
  }

  /** Everyone registered as we know it, with their key's trust state, sorted by name. */
  peerList(): PeerView[] {
    return [...this.peers.keys()].map((name) => this.view(name)!).sort((a, b) => a.name.localeCompare(b.name));
  }

  private view(name: string): PeerView | undefined {
    const r = this.peers.get(name);
    if (!r) return undefined;
    const isSelf = name === this.name;
    const t = this.trust?.get(name);
    const blocked = !isSelf && !!this.trust?.isBlocked(name);
    const trust: PeerTrustState = isSelf ? 'self' : blocked ? 'changed' : t?.verified ? 'verified' : 'trusted';
    return {
      name, online: r.online, fingerprint: r.bundle.fingerprint, digits: fingerprintDigits(r.bundle.fingerprint), trust, isSelf,
      ...(blocked && t ? { trustedFingerprint: t.fingerprint } : {}),
    };
  }

  /** Asks the server for the roster (RosterRequest) and returns it. */
  async who(): Promise<PeerView[]> {
    const reply = await this.request({ body: { case: 'rosterRequest', value: {} } });
    if (reply.body.case !== 'roster') throw new ClientError('BAD_SERVER_FRAME', `the server answered a roster request with ${reply.body.case}`);
    const peers = reply.body.value.peers;
    await this.enqueue(() => this.learnPeers(peers, true));
    this.emit('roster', this.peerList());
    return this.peerList();
  }

  /** Same as who(); kept for callers of the first version. */
  refreshRoster(): Promise<PeerView[]> {
    return this.who();
  }

  /** One peer, from the roster or asked of the server (PeerRequest); UNKNOWN_PEER when not registered. */
  async peer(name: string): Promise<PeerView> {
    let n: string;
    try {
      n = canonicalName(name);
    } catch (e) {
      throw new ClientError('NAME_INVALID', errorMessage(e));
    }
    if (!this.peers.has(n)) {
      if (this.state_ !== 'online') throw new ClientError('NOT_CONNECTED', 'not connected');
      await this.peerRecord(n);
    }
    return this.view(n)!;
  }

  /**
   * What to compare with `name` out of band: both fingerprints as digits and the
   * 60-digit safety number (the same on both sides). With a pending change,
   * `theirs` is the NEW key and `trusted` the old one.
   */
  async verification(name: string): Promise<{ mine: string; theirs: string; trusted?: string; safetyNumber: string; pendingChange: boolean; verified: boolean }> {
    const v = await this.peer(name);
    if (v.isSelf) throw new ClientError('BAD_RECIPIENT', 'that is you');
    const t = this.trust!.get(v.name);
    return {
      mine: fingerprintDigits(this.identity.bundle.fingerprint),
      theirs: v.digits,
      ...(v.trustedFingerprint ? { trusted: fingerprintDigits(fromHex(v.trustedFingerprint)) } : {}),
      safetyNumber: safetyNumber({ name: this.name, fingerprint: this.identity.bundle.fingerprint }, { name: v.name, fingerprint: v.fingerprint }),
      pendingChange: v.trust === 'changed',
      verified: v.trust === 'verified' || (!!t?.verified && v.trust !== 'changed'),
    };
  }

  /** Accepts the changed key `name` now announces; false when no change is pending. */
  acceptKey(name: string): boolean {
    const n = canonicalName(name);
    const rec = this.peers.get(n);
    const pending = this.trust?.get(n)?.pending;
    if (!rec || !pending || pending !== toHex(rec.bundle.fingerprint)) return false;
    const ok = this.trust!.accept(n, rec.bundle.bytes);
    if (ok) {
      this.announced.delete(n);
      this.emit('roster', this.peerList());
    }
    return ok;
  }

  /** Records that the user compared safety numbers with `name`; false while a change is pending. */
  markVerified(name: string, verified = true): boolean {
    const ok = !!this.trust?.markVerified(canonicalName(name), verified);
    if (ok) this.emit('roster', this.peerList());
    return ok;
  }

  /** True while `name`'s key changed and the change is not accepted (sending is refused). */
  isBlocked(name: string): boolean {
    return !!this.trust?.isBlocked(canonicalName(name));
  }

  /**
   * Replaces our key (PROTOCOL.md §Keys): the old key signs the new bundle, the new
   * key signs this connection's login input. On success the server rebinds our
   * name and peers see KEY_CHANGED. Persist `newIdentity` BEFORE calling this, or a
   * crash could leave the server bound to a key that exists nowhere.
   */
  async rotateKey(newIdentity: Identity): Promise<void> {
    if (this.state_ !== 'online' || !this.session) throw new ClientError('NOT_CONNECTED', 'not connected');
    const signature = await signRotation(this.identity, this.name, newIdentity.bundle);
    const newLoginSignature = await signLogin(newIdentity, this.session.nonce, this.session.certFingerprint, this.name);
    const reply = await this.request({ body: { case: 'keyRotation', value: { newBundle: newIdentity.bundle.bytes, signature, newLoginSignature } } });
    if (reply.body.case !== 'peerInfo') throw new ClientError('BAD_ROTATION', `the server answered the rotation with ${reply.body.case}`);
    // Messages sealed to the old key may still be on their way.
    this.retired.unshift(this.identity);
    this.identity = newIdentity;
    const info = reply.body.value;
    await this.enqueue(async () => void (await this.learnPeer(info)));
    this.emit('rotated', { fingerprint: toHex(newIdentity.bundle.fingerprint) });
    this.emit('roster', this.peerList());
  }

  private onClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.session = undefined;
    const err = new ClientError('CLOSED', `connection closed (${code}${reason ? `: ${reason}` : ''})`, { closeCode: code });
    const waiter = this.challengeWaiter;
    this.challengeWaiter = undefined;
    waiter?.reject(err);
    for (const [req, p] of this.inFlight) {
      clearTimeout(p.timer);
      this.inFlight.delete(req);
      p.reject(err);
    }
    // During a login, open() reports the failure to whoever called it.
    if (this.state_ !== 'online') return;
    for (const p of this.peers.values()) p.online = false;
    const retry = !!this.opts.autoReconnect && !this.closedByUser && !NO_RECONNECT.has(code);
    this.state_ = this.closedByUser ? 'closed' : retry ? 'reconnecting' : 'idle';
    this.emit('disconnected', { code, reason, willReconnect: retry });
    if (retry) this.scheduleReconnect();
    else this.failAllSends(err);
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closedByUser) return;
    this.reconnectAttempt++;
    const delay = Math.max(this.serverDelayMs ?? 0, backoffDelay(this.reconnectAttempt, this.opts.backoff));
    this.serverDelayMs = undefined;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closedByUser) return;
      this.open().then(
        () => {
          const attempt = this.reconnectAttempt;
          this.reconnectAttempt = 0;
          this.emit('reconnected', { attempt });
        },
        (e: unknown) => {
          if (this.closedByUser) return;
          const code = isClientError(e) ? e.code : 'CONNECT_FAILED';
          if (FATAL_LOGIN.has(code)) {
            // Retrying cannot fix this (our name belongs to another key, the certificate changed, …).
            this.state_ = 'idle';
            this.emit('error', { code, message: errorMessage(e) });
            this.emit('disconnected', { code: 0, reason: code, willReconnect: false });
            this.failAllSends(isClientError(e) ? e : new ClientError(code, errorMessage(e)));
            return;
          }
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  /**
   * Closes the connection for good: deliveries not yet shown stay on the server
   * (no Ack), unaccepted sends fail with CLOSED, state is saved.
   */
  async close(): Promise<void> {
    if (this.closedByUser) return;
    this.closedByUser = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    // Let the delivery being handled finish (its Ack goes out before the close), within reason.
    let capTimer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.inbox, new Promise<void>((r) => (capTimer = setTimeout(r, 5_000)))]);
    clearTimeout(capTimer);
    this.failAllSends(new ClientError('CLOSED', 'the client was closed before the server accepted the message'));
    try {
      await this.flushState();
    } finally {
      const socket = this.socket;
      this.socket = undefined;
      this.session = undefined;
      this.state_ = 'closed';
      const err = new ClientError('CLOSED', 'the client was closed');
      this.challengeWaiter?.reject(err);
      this.challengeWaiter = undefined;
      for (const [req, p] of this.inFlight) {
        clearTimeout(p.timer);
        this.inFlight.delete(req);
        p.reject(err);
      }
      socket?.close(CLOSE_CODES.NORMAL, 'bye');
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

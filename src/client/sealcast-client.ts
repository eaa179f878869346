import { signLogin, signRotation, toHex, type Identity } from '../crypto/index.js';
import type { ClientFrameInit, ServerFrame } from '../protocol/index.js';
import { canonicalName } from '../protocol/index.js';
import { ClientError, errorMessage } from './client-error.js';
import type { ClientEvents, ClientOptions, ClientState, PeerView, SendResult } from './client-types.js';
import { Connection } from './connection.js';
import { Emitter } from './event-emitter.js';
import { IdentityRing } from './identity-ring.js';
import { Inbox } from './inbox.js';
import { Outbox } from './outbox.js';
import { Roster } from './roster.js';
import { SavedState } from './saved-state.js';
import { SerialQueue } from './serial-queue.js';
import type { VideoStream } from './video-stream.js';
import { VideoStreams, type PlayOptions } from './video-streams.js';

export type {
  ClientEvents, ClientOptions, ClientState, PeerTrustState, PeerView, ReceivedMessage, RejectionCode, SendResult,
} from './client-types.js';

/**
 * The client core: login, roster with trust on first use of peer keys, sealing and
 * opening envelopes, acknowledgements, duplicate suppression, reconnects and video.
 * No terminal, DOM or Node code: the CLI and the web app are two faces on it.
 *
 * A facade over one module per concern: Connection (socket, login, requests, reconnect),
 * Roster (peers and trust), Inbox (deliveries), Outbox (sends and receipts), VideoStreams.
 * Server pushes that need async work (the Welcome roster, roster updates, deliveries) run
 * one at a time in arrival order (SerialQueue), so a message is never opened before the
 * roster that precedes it was learned.
 */
export class SealcastClient extends Emitter<ClientEvents> {
  /** Our canonical name. */
  readonly name: string;
  private readonly ring: IdentityRing;
  private readonly queue: SerialQueue;
  private readonly saved: SavedState;
  private readonly connection: Connection;
  private readonly roster: Roster;
  private readonly inbox: Inbox;
  private readonly outbox: Outbox;
  private readonly video: VideoStreams;

  constructor(private readonly opts: ClientOptions) {
    super();
    try {
      this.name = canonicalName(opts.name);
    } catch (e) {
      throw new ClientError('NAME_INVALID', errorMessage(e));
    }
    const emit = this.emit.bind(this) as SealcastClient['emit'];
    const reportError = (failure: { code: string; message: string }) => emit('error', failure);
    this.ring = new IdentityRing(opts.identity, opts.retiredIdentities, opts.retiredStore);
    this.queue = new SerialQueue(reportError);
    this.saved = new SavedState(opts.storage, reportError);
    const connection = (this.connection = new Connection(
      {
        url: opts.url, name: this.name, connector: opts.connector, identity: () => this.ring.current,
        ...(opts.clientName !== undefined ? { clientName: opts.clientName } : {}),
        ...(opts.autoReconnect !== undefined ? { autoReconnect: opts.autoReconnect } : {}),
        ...(opts.backoff !== undefined ? { backoff: opts.backoff } : {}),
        ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      },
      {
        welcome: (w) => this.queue.run(() => this.roster.learnPeers(w.peers, true)),
        frame: (f) => this.onFrame(f),
        online: (reconnect) => {
          emit('connected', { name: this.name, reconnect });
          emit('roster', this.roster.list());
          this.outbox.resume();
        },
        dropped: ({ code, reason, willReconnect, error }) => {
          this.roster.markAllOffline();
          emit('disconnected', { code, reason, willReconnect });
          if (!willReconnect) this.outbox.failAll(error);
        },
        reconnected: (attempt) => emit('reconnected', { attempt }),
        gaveUp: (error) => {
          emit('error', { code: error.code, message: error.message });
          emit('disconnected', { code: 0, reason: error.code, willReconnect: false });
          this.outbox.failAll(error);
        },
        error: reportError,
      },
    ));
    this.roster = new Roster({
      selfName: this.name, identity: () => this.ring.current, saved: this.saved, queue: this.queue, emit,
      request: (f) => connection.request(f), lookup: (f) => connection.rawRequest(f), online: () => connection.state === 'online',
    });
    this.inbox = new Inbox({
      selfName: this.name, identities: () => this.ring.all(), roster: this.roster, saved: this.saved, emit,
      ack: (id, rejected) => connection.post({ body: { case: 'ack', value: { id, rejected } } }), closing: () => connection.closing,
      ...(opts.beforeAck ? { beforeAck: opts.beforeAck } : {}),
    });
    this.outbox = new Outbox({
      selfName: this.name, identity: () => this.ring.current, roster: this.roster, emit,
      ...(opts.sendTimeoutMs !== undefined ? { sendTimeoutMs: opts.sendTimeoutMs } : {}),
      link: {
        exchange: (f) => connection.rawRequest(f),
        request: (f) => connection.request(f),
        get online() {
          return connection.state === 'online';
        },
        get acceptsWork() {
          return connection.acceptsWork;
        },
        get willRetry() {
          return connection.willRetry;
        },
        get closing() {
          return connection.closing;
        },
      },
    });
    this.video = new VideoStreams({ request: (f) => connection.request(f), post: (f) => connection.post(f) });
  }

  /** Our current identity (replaced by rotateKey). */
  get identity(): Identity {
    return this.ring.current;
  }

  get state(): ClientState {
    return this.connection.state;
  }

  get isConnected(): boolean {
    return this.connection.state === 'online';
  }

  /** The certificate fingerprint this connection's login proof covers (what the connector saw, else what the server stated). */
  get certFingerprint(): Uint8Array | undefined {
    return this.connection.session?.certFingerprint;
  }

  /**
   * Connects and logs in; resolves once the server welcomed us and the roster was
   * learned. Attach listeners first: key-change warnings and stored messages may
   * be emitted before this resolves. Rejects with a ClientError whose code is the
   * server's wire name (NAME_TAKEN, BAD_PROOF, …) or CONNECT_FAILED, CERT_CHANGED,
   * TIMEOUT, CLOSED, STATE_DAMAGED.
   */
  connect(): Promise<void> {
    return this.connection.connect(async () => {
      await this.saved.load();
      await this.ring.load();
    });
  }

  /**
   * Sends a frame and waits for the answer carrying the same `req`. An Error answer
   * rejects with a ClientError whose code is the wire name. For features layered
   * on the core; requires a logged-in connection.
   */
  request(frame: ClientFrameInit, timeoutMs?: number): Promise<ServerFrame> {
    return this.connection.request(frame, timeoutMs);
  }

  /** Sends a frame that expects no answer (Ack, Credit, …); dropped when not connected. */
  post(frame: ClientFrameInit): void {
    this.connection.post(frame);
  }

  /** Server frames other than replies go to the module they concern. */
  private onFrame(frame: ServerFrame): void {
    this.emit('frame', frame);
    const body = frame.body;
    switch (body.case) {
      case 'deliver':
        if (this.opts.receive !== false) {
          const d = body.value;
          this.queue.run(() => this.inbox.deliver(d));
        }
        return;
      case 'delivered':
        this.outbox.receipt(body.value);
        return;
      case 'rosterUpdate': {
        const { event, peer } = body.value;
        if (peer) this.queue.run(() => this.roster.applyChanges([{ event, peer }]));
        return;
      }
      case 'rosterUpdates': {
        const changes = body.value.updates.flatMap(({ event, peer }) => (peer ? [{ event, peer }] : []));
        this.queue.run(() => this.roster.applyChanges(changes));
        return;
      }
      case 'error':
        // An error about one of our sends that is not a reply (should not happen, but ref_id says which).
        if (!frame.req && !this.outbox.serverError(body.value)) {
          this.emit('error', { code: body.value.name || 'SERVER_ERROR', message: body.value.message || body.value.name });
        }
        return;
      case 'streamStart':
      case 'segmentChunk':
      case 'streamEnd':
        this.video.route(frame);
        return;
      default:
        return;
    }
  }

  /** Writes the replay window and the peer keys now. */
  flushState(): Promise<void> {
    return this.saved.flush();
  }

  /**
   * Encrypts `text` on this machine to `to` (a name, or "all" for every registered
   * peer but us, the body encrypted once) and sends it. Resolves when the server has
   * stored it for every recipient (Accepted). Refuses, before anything is sent,
   * peers whose key changed and was not accepted (KEY_CHANGED, `detail.peers`).
   * With autoReconnect a send survives a dropped connection: it is resent with the
   * same id, which the server deduplicates.
   */
  send(to: string, text: string): Promise<SendResult> {
    return this.outbox.send(to, text);
  }

  /** The server's video library; `rescan` asks it to read its directory again first (a Refresh). */
  listVideos(opts: { rescan?: boolean } = {}) {
    return this.video.listVideos(opts);
  }

  /** A short-lived HLS URL path (with its token) for a title, for browsers and standard players. */
  hlsToken(title: string): Promise<{ path: string; token: string; expiresAt: number }> {
    return this.video.hlsToken(title);
  }

  /** Starts streaming a title over this connection; resolves once the server accepted the PLAY. */
  play(title: string, opts: PlayOptions = {}): Promise<VideoStream> {
    return this.video.play(title, opts);
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
  pending(): Promise<{ id: string; to: string; storedAt: number; expiresAt: number }[]> {
    return this.outbox.pending();
  }

  /** Everyone registered as we know it, with their key's trust state, sorted by name. */
  peerList(): PeerView[] {
    return this.roster.list();
  }

  /** Asks the server for the roster (RosterRequest) and returns it. */
  who(): Promise<PeerView[]> {
    return this.roster.who();
  }

  /** Same as who(); kept for callers of the first version. */
  refreshRoster(): Promise<PeerView[]> {
    return this.who();
  }

  /** One peer, from the roster or asked of the server (PeerRequest); UNKNOWN_PEER when not registered. */
  peer(name: string): Promise<PeerView> {
    return this.roster.peer(name);
  }

  /**
   * What to compare with `name` out of band: both fingerprints as digits and the
   * 60-digit safety number (the same on both sides). With a pending change,
   * `theirs` is the NEW key and `trusted` the old one.
   */
  verification(name: string): ReturnType<Roster['verification']> {
    return this.roster.verification(name);
  }

  /** Accepts the changed key `name` now announces; false when no change is pending. */
  acceptKey(name: string): boolean {
    return this.roster.acceptKey(name);
  }

  /** Records that the user compared safety numbers with `name`; false while a change is pending. */
  markVerified(name: string, verified = true): boolean {
    return this.roster.markVerified(name, verified);
  }

  /** True while `name`'s key changed and the change is not accepted (sending is refused). */
  isBlocked(name: string): boolean {
    return this.roster.isBlocked(name);
  }

  /**
   * Replaces our key (PROTOCOL.md §Keys): the old key signs the new bundle, the new
   * key signs this connection's login input. On success the server rebinds our
   * name and peers see KEY_CHANGED. Persist `newIdentity` BEFORE calling this, or a
   * crash could leave the server bound to a key that exists nowhere. The current key
   * goes to the retiredStore first (STORAGE_FAILED, with nothing sent, if it cannot),
   * so mail still sealed to it opens after a restart.
   */
  async rotateKey(newIdentity: Identity): Promise<void> {
    const session = this.connection.session;
    if (this.connection.state !== 'online' || !session) throw new ClientError('NOT_CONNECTED', 'not connected');
    await this.ring.prepareRotation(newIdentity);
    const signature = await signRotation(this.ring.current, this.name, newIdentity.bundle);
    const newLoginSignature = await signLogin(newIdentity, session.nonce, session.certFingerprint, this.name);
    const reply = await this.request({ body: { case: 'keyRotation', value: { newBundle: newIdentity.bundle.bytes, signature, newLoginSignature } } });
    if (reply.body.case !== 'peerInfo') throw new ClientError('BAD_ROTATION', `the server answered the rotation with ${reply.body.case}`);
    // Messages sealed to the old key may still be on their way.
    this.ring.rotate(newIdentity);
    const info = reply.body.value;
    await this.queue.run(async () => void (await this.roster.learnPeer(info)));
    this.emit('rotated', { fingerprint: toHex(newIdentity.bundle.fingerprint) });
    this.emit('roster', this.peerList());
  }

  /**
   * Closes the connection for good: deliveries not yet shown stay on the server
   * (no Ack), unaccepted sends fail with CLOSED, state is saved.
   */
  async close(): Promise<void> {
    if (!this.connection.beginClose()) return;
    // Let the delivery being handled finish (its Ack goes out before the close), within reason.
    await this.queue.settle(5_000);
    this.outbox.failAll(new ClientError('CLOSED', 'the client was closed before the server accepted the message'));
    try {
      await this.flushState();
    } finally {
      this.connection.shutdown();
    }
  }
}

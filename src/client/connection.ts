import type { Identity } from '../crypto/identity.js';
import { signLogin } from '../crypto/login-sign.js';
import {
  CLOSE_CODES, decodeServerFrame, encodeClientFrame, PROTOCOL_VERSION,
  type Challenge, type ClientFrameInit, type ServerFrame, type Welcome,
} from '../protocol/index.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { ClientError, errorMessage, isClientError } from './client-error.js';
import type { ClientState } from './client-types.js';
import { checkServerFrame } from './server-frame-checks.js';
import type { Connector, SocketLike } from './socket-like.js';

/** How a Connection reaches the server and logs in. */
export interface ConnectionOptions {
  url: string;
  /** Our canonical name. */
  name: string;
  connector: Connector;
  /** The identity that signs each login (read at every login: a rotation replaces it). */
  identity: () => Identity;
  /**
   * Builds the Login frame instead (protocol v2: a device's login). `ask` sends a frame on the
   * socket before login and waits for its answer (the server answers Lookup before login, so a
   * new device can read its account's device list).
   */
  login?: (challenge: Challenge, certFingerprint: Uint8Array, ask: (f: ClientFrameInit) => Promise<ServerFrame>) => Promise<ClientFrameInit>;
  clientName?: string;
  autoReconnect?: boolean;
  backoff?: BackoffOptions;
  /** How long one request waits for its answer (ms); default 15,000. */
  requestTimeoutMs?: number;
}

/**
 * What a Connection tells its owner. It knows frames, not what they mean: the Welcome's
 * roster, deliveries and receipts are the owner's business.
 */
export interface ConnectionHooks {
  /**
   * The Welcome, handed over as it arrives and before any later frame, so work it starts
   * is queued ahead of them. The login completes only once the returned promise settles.
   */
  welcome(welcome: Welcome): Promise<void>;
  /** Every decoded frame but the Challenge, after a reply has reached its request. */
  frame(frame: ServerFrame): void;
  /** Logged in (the first time or after a reconnect). */
  online(reconnect: boolean): void;
  /** The logged-in connection dropped; `error` is what pending work fails with. */
  dropped(info: { code: number; reason: string; willReconnect: boolean; error: ClientError }): void;
  /** A reconnect succeeded after `attempt` tries. */
  reconnected(attempt: number): void;
  /** A reconnect's login was refused for a reason retrying cannot fix: no more attempts. */
  gaveUp(error: ClientError): void;
  /** A frame that does not decode. */
  error(failure: { code: string; message: string }): void;
}

/** What this connection's login proof covered: needed again to sign a key rotation. */
export interface LoginSession {
  nonce: Uint8Array;
  certFingerprint: Uint8Array;
}

interface PendingRequest {
  resolve: (f: ServerFrame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Close codes after which reconnecting would not help (or would fight another session). */
const NO_RECONNECT = new Set<number>([
  CLOSE_CODES.AUTH_FAILED, CLOSE_CODES.REPLACED, CLOSE_CODES.PROTOCOL_VIOLATION, CLOSE_CODES.TOO_LARGE, CLOSE_CODES.DEVICE_REMOVED,
]);
/** Login failures that a retry cannot fix. */
const FATAL_LOGIN = new Set(['NAME_TAKEN', 'BAD_PROOF', 'BAD_BUNDLE', 'NAME_INVALID', 'VERSION_UNSUPPORTED', 'CERT_CHANGED', 'LOGIN_FAILED', 'STATE_DAMAGED', 'UNKNOWN_DEVICE', 'BAD_DEVICE_LIST', 'KEY_IN_USE', 'NAME_RESET_PENDING', 'DEVICE_REMOVED']);

/**
 * One logical connection to a sealcast server: opens the socket, answers the Challenge
 * with a signed Login, checks every frame the server sends (server-frame-checks.ts),
 * matches replies to requests by `req` (each with a timeout), and reconnects with
 * backoff and jitter when an established connection drops. It never
 * looks inside envelopes; everything else a frame means goes to ConnectionHooks.
 */
export class Connection {
  private state_: ClientState = 'idle';
  private socket: SocketLike | undefined;
  private session_: LoginSession | undefined;
  private challengeWaiter: { resolve: (c: Challenge) => void; reject: (e: Error) => void } | undefined;
  private welcomeDone: Promise<void> = Promise.resolve();
  private readonly inFlight = new Map<number, PendingRequest>();
  private nextReq = 1;
  private closedByUser = false;
  private everConnected_ = false;
  private reconnectAttempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private serverDelayMs: number | undefined;

  constructor(private readonly opts: ConnectionOptions, private readonly hooks: ConnectionHooks) {}

  get state(): ClientState {
    return this.state_;
  }

  /** True once close() began: nothing new should start. */
  get closing(): boolean {
    return this.closedByUser;
  }

  /** True after the first successful login. */
  get everConnected(): boolean {
    return this.everConnected_;
  }

  /** The current login's nonce and certificate fingerprint, while logged in. */
  get session(): LoginSession | undefined {
    return this.session_;
  }

  /** True when a dropped request will be made good by a reconnect (autoReconnect, not closing). */
  get willRetry(): boolean {
    return !!this.opts.autoReconnect && !this.closedByUser && this.state_ !== 'idle' && this.state_ !== 'closed';
  }

  /** True when work may wait for the connection: online, or offline with a reconnect to come. */
  get acceptsWork(): boolean {
    return this.state_ === 'online' || (!!this.opts.autoReconnect && this.everConnected_);
  }

  /**
   * Connects and logs in; `prepare` runs first (state the login needs). Rejects with a
   * ClientError: the server's wire name, or CONNECT_FAILED, CERT_CHANGED, TIMEOUT, CLOSED.
   */
  async connect(prepare: () => Promise<void>): Promise<void> {
    if (this.state_ === 'online') return;
    if (this.state_ === 'connecting' || this.state_ === 'reconnecting') throw new ClientError('CONNECTING', 'already connecting');
    await prepare();
    this.closedByUser = false;
    this.state_ = 'connecting';
    try {
      await this.open();
    } catch (e) {
      if (this.state_ === 'connecting') this.state_ = 'idle';
      throw e;
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
      let login: ClientFrameInit;
      if (this.opts.login) {
        login = await this.opts.login(ch, certFp, (f) => this.rawRequest(f, this.requestTimeout(), socket));
      } else {
        const identity = this.opts.identity();
        const signature = await signLogin(identity, ch.nonce, certFp, this.opts.name);
        login = {
          body: {
            case: 'login',
            value: {
              protocolVersion: PROTOCOL_VERSION, name: this.opts.name, bundle: identity.bundle.bytes, signature,
              client: this.opts.clientName ?? 'sealcast',
            },
          },
        };
      }
      const reply = await this.rawRequest(login, this.requestTimeout(), socket);
      if (reply.body.case !== 'welcome') throw new ClientError('LOGIN_FAILED', `the server answered the login with ${reply.body.case}`);
      this.session_ = { nonce: ch.nonce, certFingerprint: certFp };
      await this.welcomeDone;
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
    const reconnect = this.everConnected_;
    this.everConnected_ = true;
    this.state_ = 'online';
    this.hooks.online(reconnect);
  }

  private requestTimeout(): number {
    return this.opts.requestTimeoutMs ?? 15_000;
  }

  /**
   * Sends a frame and waits for the answer carrying the same `req`. An Error answer
   * rejects with a ClientError whose code is the wire name. Requires a logged-in connection.
   */
  request(frame: ClientFrameInit, timeoutMs = this.requestTimeout()): Promise<ServerFrame> {
    if (this.state_ !== 'online' || !this.socket) return Promise.reject(new ClientError('NOT_CONNECTED', 'not connected'));
    return this.rawRequest(frame, timeoutMs);
  }

  /**
   * Like request(), on whatever socket is current, logged in or logging in: for work that
   * runs while a login completes (a sender's key looked up for a stored message, a resend).
   * Rejects NOT_CONNECTED without a socket and CLOSED when the socket drops meanwhile.
   */
  rawRequest(frame: ClientFrameInit, timeoutMs = this.requestTimeout(), socket = this.socket): Promise<ServerFrame> {
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
      this.hooks.error({ code: 'BAD_SERVER_FRAME', message: errorMessage(e) });
      return;
    }
    try {
      checkServerFrame(frame, this.opts.name);
    } catch (e) {
      this.refuse(frame, isClientError(e) ? e : new ClientError('BAD_SERVER_FRAME', errorMessage(e)));
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
          p.reject(new ClientError(body.value.name || 'SERVER_ERROR', body.value.message || body.value.name, { wireCode: body.value.code, refId: body.value.refId }));
        } else {
          // What the Welcome starts is queued before any frame that follows it.
          if (body.case === 'welcome') this.welcomeDone = this.hooks.welcome(body.value);
          p.resolve(frame);
        }
      }
    }
    this.hooks.frame(frame);
    // The server is going away; it asks us to wait at least this long before reconnecting.
    if (body.case === 'reconnect') this.serverDelayMs = body.value.afterMs;
  }

  /** A frame that failed its checks: whoever waits for it fails with the reason, else it is reported. */
  private refuse(frame: ServerFrame, err: ClientError): void {
    const p = frame.req ? this.inFlight.get(frame.req) : undefined;
    if (p) {
      this.inFlight.delete(frame.req);
      clearTimeout(p.timer);
      p.reject(err);
    } else if (frame.body.case === 'challenge' && this.challengeWaiter) {
      const waiter = this.challengeWaiter;
      this.challengeWaiter = undefined;
      waiter.reject(err);
    } else {
      this.hooks.error({ code: err.code, message: err.message });
    }
  }

  private failInFlight(err: ClientError): void {
    const waiter = this.challengeWaiter;
    this.challengeWaiter = undefined;
    waiter?.reject(err);
    for (const [req, p] of this.inFlight) {
      clearTimeout(p.timer);
      this.inFlight.delete(req);
      p.reject(err);
    }
  }

  private onClose(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.session_ = undefined;
    const error = new ClientError('CLOSED', `connection closed (${code}${reason ? `: ${reason}` : ''})`, { closeCode: code });
    this.failInFlight(error);
    // During a login, open() reports the failure to whoever called it.
    if (this.state_ !== 'online') return;
    const willReconnect = !!this.opts.autoReconnect && !this.closedByUser && !NO_RECONNECT.has(code);
    this.state_ = this.closedByUser ? 'closed' : willReconnect ? 'reconnecting' : 'idle';
    this.hooks.dropped({ code, reason, willReconnect, error });
    if (willReconnect) this.scheduleReconnect();
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
          this.hooks.reconnected(attempt);
        },
        (e: unknown) => {
          if (this.closedByUser) return;
          const code = isClientError(e) ? e.code : 'CONNECT_FAILED';
          if (FATAL_LOGIN.has(code)) {
            // Retrying cannot fix this (our name belongs to another key, the certificate changed, …).
            this.state_ = 'idle';
            this.hooks.gaveUp(isClientError(e) ? e : new ClientError(code, errorMessage(e)));
            return;
          }
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  /** First half of close(): no reconnects from now on; false when close() already began. */
  beginClose(): boolean {
    if (this.closedByUser) return false;
    this.closedByUser = true;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    return true;
  }

  /** Second half of close(): fails what still waits for an answer and closes the socket (1000). */
  shutdown(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.session_ = undefined;
    this.state_ = 'closed';
    this.failInFlight(new ClientError('CLOSED', 'the client was closed'));
    socket?.close(CLOSE_CODES.NORMAL, 'bye');
  }
}

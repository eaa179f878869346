import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_CODES,
  decodeClientFrame,
  isProtocolError,
  LIMITS,
  PROTOCOL_VERSION,
  RosterUpdate_Event,
  type ClientFrame,
  type PeerInfo,
} from '../protocol/index.js';
import type { IdentityStore } from '../store/index.js';
import { ClientConnection } from './client-connection.js';
import type { Logger } from './logger.js';
import { handleLogin } from './login-handler.js';
import { handleAck, handlePending, handleSend } from './message-handler.js';
import type { Metrics } from './metrics.js';
import { Presence } from './presence.js';
import { handlePeerRequest, handleRosterRequest, handleRotation } from './roster-handler.js';
import { isServerError } from './server-error.js';
import type { ServerConfig } from './server-config.js';
import type { VideoHandler } from './video-handler.js';
import { TokenBucket } from './token-bucket.js';
import type { WriteBehindMailbox } from './write-behind-mailbox.js';
import type { PeerInfoInit } from './peer-info.js';
import type { ListedPeer } from './peer-list-frames.js';
import { RosterBroadcast, rosterBatchDelayMs } from './roster-broadcast.js';

/**
 * The server's core: owns the connections and dispatches each decoded frame to its
 * handler. Handlers are plain functions of (hub, connection, req, frame body).
 */
export class Hub {
  readonly presence = new Presence();
  readonly connections = new Set<ClientConnection>();
  private readonly perAddress = new Map<string, number>();
  readonly registrations: TokenBucket;
  readonly roster: RosterBroadcast;
  shuttingDown = false;

  constructor(
    readonly config: ServerConfig,
    readonly log: Logger,
    readonly metrics: Metrics,
    readonly identities: IdentityStore,
    readonly mailbox: WriteBehindMailbox,
    readonly certFingerprint: Uint8Array,
    readonly video: VideoHandler | undefined,
  ) {
    this.registrations = new TokenBucket(config.limits.registrationsPerMinute / 60, config.limits.registrationsPerMinute);
    this.roster = new RosterBroadcast(
      () => this.presence.connections(),
      () => rosterBatchDelayMs(this.presence.size, config.limits.rosterBatchMs),
    );
  }

  /** A new WebSocket: send the challenge, start the login timer, wire the handlers. */
  accept(ws: WebSocket, req: IncomingMessage): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    const count = (this.perAddress.get(address) ?? 0) + 1;
    if (count > this.config.limits.connectionsPerAddress) {
      this.metrics.inc('dropped_by_limit_total');
      ws.close(CLOSE_CODES.RATE_LIMITED, 'too many connections from this address');
      return;
    }
    this.perAddress.set(address, count);
    const conn = new ClientConnection(
      ws,
      req.socket,
      address,
      new Uint8Array(randomBytes(LIMITS.challengeBytes)),
      this.config.limits.maxQueuedBytes,
      this.config.limits,
      () => this.metrics.inc('slow_consumers_total'),
    );
    this.connections.add(conn);
    this.metrics.inc('connections_total');

    const loginTimer = setTimeout(() => {
      if (!conn.authenticated) conn.close(CLOSE_CODES.AUTH_TIMEOUT, 'no login in time');
    }, this.config.limits.loginTimeoutMs);
    loginTimer.unref();

    ws.on('message', (data, isBinary) => this.onMessage(conn, data, isBinary));
    ws.on('close', () => {
      clearTimeout(loginTimer);
      this.onClose(conn);
    });
    ws.on('error', (err) => this.log.debug({ err: err.message, address }, 'socket error'));

    conn.send({
      body: {
        case: 'challenge',
        value: {
          protocolVersion: PROTOCOL_VERSION,
          nonce: conn.nonce,
          server: 'sealcast',
          maxFrameBytes: this.config.limits.maxFrameBytes,
          certFingerprint: this.certFingerprint,
        },
      },
    });
  }

  private onMessage(conn: ClientConnection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    if (!isBinary) {
      this.metrics.inc('protocol_errors_total');
      conn.sendError(0, 'BAD_FRAME', 'text frames are not part of the protocol');
      conn.close(CLOSE_CODES.PROTOCOL_VIOLATION, 'text frame');
      return;
    }
    if (!conn.frames.take()) {
      this.metrics.inc('dropped_by_limit_total');
      conn.sendError(0, 'RATE_LIMITED', 'too many frames; slow down');
      if (++conn.violations >= this.config.limits.maxViolations) conn.close(CLOSE_CODES.RATE_LIMITED, 'rate limit');
      return;
    }
    const bytes = toBytes(data);
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes, this.config.limits.maxFrameBytes);
    } catch (e) {
      this.metrics.inc('protocol_errors_total');
      if (!isProtocolError(e)) throw e;
      conn.sendError(0, e.code, e.message);
      if (e.code === 'FRAME_TOO_LARGE') conn.close(CLOSE_CODES.TOO_LARGE, 'frame too large');
      else if (++conn.violations >= this.config.limits.maxViolations) {
        conn.close(CLOSE_CODES.PROTOCOL_VIOLATION, 'too many malformed frames');
      }
      return;
    }
    const waiting = conn.enqueue(() => this.dispatch(conn, frame));
    // Frames pile up only when a client sends faster than verification keeps up with.
    if (waiting > 256) conn.close(CLOSE_CODES.RATE_LIMITED, 'too many frames in flight');
  }

  private async dispatch(conn: ClientConnection, frame: ClientFrame): Promise<void> {
    if (conn.closed) return;
    const req = frame.req;
    const body = frame.body;
    try {
      if (body.case === 'login') return await handleLogin(this, conn, req, body.value);
      if (!conn.authenticated) {
        conn.sendError(req, 'NOT_AUTHENTICATED', 'log in first');
        if (++conn.violations >= this.config.limits.maxViolations) conn.close(CLOSE_CODES.AUTH_FAILED, 'not logged in');
        return;
      }
      switch (body.case) {
        case 'send':
          return handleSend(this, conn, req, body.value);
        case 'ack':
          return handleAck(this, conn, req, body.value);
        case 'pendingRequest':
          return handlePending(this, conn, req);
        case 'peerRequest':
          return handlePeerRequest(this, conn, req, body.value);
        case 'rosterRequest':
          return handleRosterRequest(this, conn, req);
        case 'keyRotation':
          return await handleRotation(this, conn, req, body.value);
        case 'ping':
          conn.send({ req, body: { case: 'pong', value: { ts: body.value.ts, serverTime: BigInt(Date.now()) } } });
          return;
        case 'videoListRequest':
        case 'play':
        case 'credit':
        case 'seek':
        case 'stop':
        case 'hlsTokenRequest':
        case 'watchProgress':
          if (!this.video) {
            conn.sendError(req, 'NOT_READY', 'video is not enabled on this server');
            return;
          }
          return await this.video.handle(conn, req, body);
        default:
          conn.sendError(req, 'UNKNOWN_FRAME', 'unexpected frame');
      }
    } catch (e) {
      if (isServerError(e) || isProtocolError(e)) {
        conn.sendError(req, e.code, e.message, isServerError(e) ? e.refId : undefined);
        return;
      }
      this.log.error({ err: e instanceof Error ? e.message : String(e), frame: body.case }, 'handler failed');
      conn.sendError(req, 'INTERNAL', 'internal error');
    }
  }

  private onClose(conn: ClientConnection): void {
    conn.closed = true;
    this.connections.delete(conn);
    const left = (this.perAddress.get(conn.address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(conn.address);
    else this.perAddress.set(conn.address, left);
    this.video?.disconnected(conn);
    if (this.presence.remove(conn) && conn.name && !this.shuttingDown) {
      this.log.info({ user: conn.name }, 'left');
      this.broadcastRoster(RosterUpdate_Event.LEFT, this.peerInfo(conn.name));
    }
  }

  /** The public record of a registered name, as clients see it. */
  peerInfo(name: string): PeerInfoInit {
    const rec = this.identities.get(name);
    return { name, bundle: rec?.bundle ?? new Uint8Array(), online: this.presence.isOnline(name) };
  }

  /** Every registered name with its bundle and whether it is online (for Welcome and Roster). */
  listedPeers(): ListedPeer[] {
    return this.identities
      .list()
      .filter((record) => !record.reset)
      .map((record) => ({ record, online: this.presence.isOnline(record.name) }));
  }

  /** Pushes a roster change to every logged-in client, batched with others of the moment. */
  broadcastRoster(event: RosterUpdate_Event, peer: PeerInfoInit | PeerInfo): void {
    this.roster.add({ event, peer });
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_CODES,
  decodeClientFrame,
  isProtocolError,
  LIMITS,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_2,
  requestNumberOf,
  type ClientFrame,
} from '../protocol/index.js';
import { ClientConnection } from './client-connection.js';
import type { ServerContext } from './context.js';
import {
  handleCommit, handleConversationCreate, handleConversationRename, handleConversationsRequest, handleGroupInfoRequest,
  handleGroupMessage, handleMembersRequest,
} from './handlers/conversations.js';
import { handleDeviceListUpdate } from './handlers/devices.js';
import { handleLookup } from './handlers/directory.js';
import { handleKeyPackageClaim, handleKeyPackageUpload } from './handlers/key-packages.js';
import { handleLogin } from './handlers/login.js';
import { handleAck, handleQueueAck } from './handlers/queue.js';
import { handlePending, handleSend } from './handlers/v1-messages.js';
import { handlePeerRequest, handleRosterRequest, handleRotation } from './handlers/v1-roster.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { OutboundWatch } from './outbound-watch.js';
import { isServerError } from './server-error.js';
import type { ServerConfig } from './server-config.js';
import { guarded } from './timer-guard.js';
import { kernelTook } from './socket-outbound.js';
import type { VideoHandler } from './video-handler.js';

/**
 * The server's front door: owns the connections, checks and decodes each frame, and dispatches
 * it to its handler. Handlers are plain functions of the context (registry, router, mailbox, …),
 * the connection, the request number and the frame body.
 */
export class Hub {
  readonly connections = new Set<ClientConnection>();
  shuttingDown = false;
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly metrics: Metrics;

  constructor(
    readonly ctx: ServerContext,
    readonly video: VideoHandler | undefined,
    /** The server-wide outbound budget and drain deadline (transport-limits.ts); none in unit tests. */
    private readonly outbound?: OutboundWatch,
  ) {
    this.config = ctx.config;
    this.log = ctx.log;
    this.metrics = ctx.metrics;
  }

  /** Accounts online now (with a receiving session). */
  get onlineCount(): number {
    return this.ctx.router.onlineCount;
  }

  /** A new WebSocket: send the challenge, start the login timer, wire the handlers. */
  accept(ws: WebSocket, req: IncomingMessage): void {
    // Connections per address are counted and capped from TCP accept (connection-gate.ts).
    const address = req.socket.remoteAddress ?? 'unknown';
    const conn = new ClientConnection(
      ws,
      req.socket,
      address,
      new Uint8Array(randomBytes(LIMITS.challengeBytes)),
      this.config.limits.maxQueuedBytes,
      this.config.limits,
      () => this.metrics.inc('slow_consumers_total'),
      () => this.outbound?.note(req.socket),
    );
    // The same socket was watched as HTTP since its handshake; from now its queue includes the connection's own.
    this.outbound?.add(req.socket, {
      queued: () => conn.queuedBytes,
      drained: () => kernelTook(req.socket),
      cut: (why) => conn.cutOff(why === 'budget' ? 'slow consumer: server outbound budget exceeded' : 'slow consumer: outgoing queue stopped draining'),
    });
    this.connections.add(conn);
    this.metrics.inc('connections_total');

    const loginTimer = setTimeout(guarded((e) => this.log.error({ err: e.message }, 'login timer failed'), () => {
      if (!conn.authenticated) conn.close(CLOSE_CODES.AUTH_TIMEOUT, 'no login in time');
    }), this.config.limits.loginTimeoutMs);
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
          certFingerprint: this.ctx.certFingerprint,
          maxProtocolVersion: PROTOCOL_VERSION_2,
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
    const bytes = toBytes(data);
    if (!conn.frames.take()) {
      this.metrics.inc('dropped_by_limit_total');
      conn.sendError(requestNumberOf(bytes), 'RATE_LIMITED', 'too many frames; slow down');
      if (++conn.violations >= this.config.limits.maxViolations) conn.close(CLOSE_CODES.RATE_LIMITED, 'rate limit');
      return;
    }
    let frame: ClientFrame;
    try {
      frame = decodeClientFrame(bytes, this.config.limits.maxFrameBytes);
    } catch (e) {
      this.metrics.inc('protocol_errors_total');
      if (!isProtocolError(e)) throw e;
      // The request it answers, when the bytes name one: a refused field must not leave the client waiting.
      conn.sendError(requestNumberOf(bytes), e.code, e.message);
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
    const ctx = this.ctx;
    try {
      if (body.case === 'login') return await handleLogin(ctx, conn, req, body.value);
      // The directory is public: a new device reads its account's device list before it can log in.
      if (body.case === 'lookup') return handleLookup(ctx, conn, req, body.value);
      if (!conn.authenticated) {
        conn.sendError(req, 'NOT_AUTHENTICATED', 'log in first');
        if (++conn.violations >= this.config.limits.maxViolations) conn.close(CLOSE_CODES.AUTH_FAILED, 'not logged in');
        return;
      }
      switch (body.case) {
        case 'send':
          return handleSend(ctx, conn, req, body.value);
        case 'ack':
          return handleAck(ctx, conn, req, body.value);
        case 'pendingRequest':
          return handlePending(ctx, conn, req);
        case 'peerRequest':
          return handlePeerRequest(ctx, conn, req, body.value);
        case 'rosterRequest':
          return handleRosterRequest(ctx, conn, req);
        case 'keyRotation':
          return await handleRotation(ctx, conn, req, body.value);
        case 'ping':
          conn.send({ req, body: { case: 'pong', value: { ts: body.value.ts, serverTime: BigInt(Date.now()) } } });
          return;
        case 'queueAck':
          return handleQueueAck(ctx, conn, req, body.value);
        case 'deviceListUpdate':
          return await handleDeviceListUpdate(ctx, conn, req, body.value);
        case 'keyPackageUpload':
          return handleKeyPackageUpload(ctx, conn, req, body.value);
        case 'keyPackageClaim':
          return handleKeyPackageClaim(ctx, conn, req, body.value);
        case 'conversationCreate':
          return handleConversationCreate(ctx, conn, req, body.value);
        case 'commit':
          return handleCommit(ctx, conn, req, body.value);
        case 'groupMessage':
          return handleGroupMessage(ctx, conn, req, body.value);
        case 'groupInfoRequest':
          return handleGroupInfoRequest(ctx, conn, req, body.value);
        case 'conversationsRequest':
          return handleConversationsRequest(ctx, conn, req, body.value);
        case 'membersRequest':
          return handleMembersRequest(ctx, conn, req, body.value);
        case 'conversationRename':
          return handleConversationRename(ctx, conn, req, body.value);
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
    this.video?.disconnected(conn);
    const wentOffline = this.ctx.router.detach(conn);
    if (wentOffline && conn.session && !this.shuttingDown) {
      this.log.info({ user: conn.session.account }, 'left');
      this.ctx.presence.changed(conn.session.account, false);
    }
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

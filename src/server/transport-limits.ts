import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ConnectionGate, type Refusal } from './connection-gate.js';
import { defaultMaxConnections } from './fd-limit.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { OutboundWatch } from './outbound-watch.js';
import type { ServerLimits } from './server-config.js';
import { httpOutbound } from './socket-outbound.js';

/** Node's HTTPS options for the limits: a silent socket is dropped in seconds, not after 120 s. */
export function transportTimeouts(limits: ServerLimits): {
  handshakeTimeout: number; headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number;
} {
  return {
    handshakeTimeout: limits.tlsHandshakeTimeoutMs,
    headersTimeout: limits.httpHeadersTimeoutMs,
    // Only GET and HEAD are served: a request is its headers, so the two deadlines are one.
    requestTimeout: limits.httpHeadersTimeoutMs,
    // Node checks the header deadline on this period (30 s by default): a fifth of the deadline keeps it near.
    connectionsCheckingInterval: Math.max(100, Math.min(5000, Math.floor(limits.httpHeadersTimeoutMs / 5))),
  };
}

export interface TransportGuard {
  readonly gate: ConnectionGate;
  readonly outbound: OutboundWatch;
  /** The global connection cap in force (configured, or derived from the descriptor limit). */
  readonly maxConnections: number;
  stop(): void;
}

/**
 * Puts the connection caps and the outbound watch on `https`: every TCP socket is counted from accept,
 * and every TLS socket's outgoing queue is watched from the handshake (the hub swaps in its WebSocket
 * view of the same socket after an upgrade).
 */
export function guardTransport(https: Server, limits: ServerLimits, deps: { log: Logger; metrics: Metrics }): TransportGuard {
  const { log, metrics } = deps;
  const maxConnections = limits.maxConnections > 0 ? limits.maxConnections : defaultMaxConnections();
  const lastWarned = new Map<Refusal, number>();
  const gate = new ConnectionGate({ perAddress: limits.connectionsPerAddress, total: maxConnections }, (why) => {
    metrics.inc('connections_refused_total');
    // Under a flood every accept is refused: one line per reason per 10 s tells the operator without flooding the log.
    const now = Date.now();
    if (now - (lastWarned.get(why) ?? 0) < 10_000) return;
    lastWarned.set(why, now);
    if (why === 'total') log.warn({ cap: maxConnections }, 'connection cap reached: new connections are refused (SEALCAST_MAX_CONNECTIONS)');
    else log.warn({ cap: limits.connectionsPerAddress }, 'an address holds its connection cap: its new connections are refused (SEALCAST_CONNECTIONS_PER_ADDRESS)');
  });
  // A plain TCP socket here (typed Duplex): first of the listeners, before TLS starts on it.
  log.info({ maxConnections, perAddress: limits.connectionsPerAddress }, 'connection caps');
  https.prependListener('connection', (socket) => gate.admit(socket as Socket));

  const outbound = new OutboundWatch({ budgetBytes: limits.maxOutboundBytes, drainTimeoutMs: limits.drainTimeoutMs });
  https.on('secureConnection', (socket: TLSSocket) => {
    outbound.add(socket, httpOutbound(socket, (why) => {
      metrics.inc('slow_consumers_total');
      log.debug({ why }, 'http connection cut: its responses are not being read');
    }));
    socket.once('close', () => outbound.remove(socket));
  });
  outbound.start();
  return { gate, outbound, maxConnections, stop: () => outbound.stop() };
}

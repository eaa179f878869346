import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../protocol/index.js';
import {
  SqliteAccountStore, SqliteConversationStore, SqliteDeviceQueueStore, SqliteKeyPackageStore, WalCheckpointer,
  type SqliteDatabase,
} from '../store/index.js';
import type { ServerContext } from './context.js';
import { ConversationView } from './conversations/conversation-view.js';
import { ensureEveryone } from './handlers/conversations.js';
import { handleHttp } from './http-routes.js';
import { Hub } from './hub.js';
import { limitResponses } from './response-limit.js';
import { guardTransport, transportTimeouts } from './transport-limits.js';
import { createLogger, type LogDestination, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { isOriginAllowed } from './origin-check.js';
import { defaultConfig, type ServerConfig } from './server-config.js';
import { openInstanceDatabase, priorState } from './instance-binding.js';
import { loadTlsMaterial } from './tls-certificate.js';
import { StorageHealth } from './storage-health.js';
import { ExternalChanges } from './external-changes.js';
import { guarded } from './timer-guard.js';
import { tlsServerOptions } from './tls-options.js';
import type { VideoHandler } from './video-handler.js';
import { DeviceMailbox } from './mailbox/device-mailbox.js';
import { QueueFrames } from './mailbox/queue-frames.js';
import { PresenceService } from './presence/presence-service.js';
import { Registry } from './registry/registry.js';
import { RosterBroadcast, rosterBatchDelayMs } from './roster-broadcast.js';
import { LocalRouter } from './router/local-router.js';
import { unusedNameSweepMs, UnusedNameSweep } from './unused-names.js';

/** A started server, as `startServer` hands it back. */
export interface RunningServer {
  port: number;
  /** wss://HOST:PORT */
  url: string;
  /** https://HOST:PORT */
  httpsUrl: string;
  certFingerprint: Uint8Array;
  certCreated: boolean;
  hub: Hub;
  log: Logger;
  /** Graceful stop: refuse new work, tell clients to reconnect, close the store. */
  close(): Promise<void>;
}

export type VideoFactory = (ctx: { config: ServerConfig; log: Logger; metrics: Metrics; db: SqliteDatabase }) => Promise<VideoHandler | undefined>;

/** Why listening failed, in words an operator can act on. */
function listenFailure(e: NodeJS.ErrnoException, host: string, port: number): string {
  if (e.code === 'EADDRINUSE') return `port ${port} on ${host} is already in use (is another sealcast running?); choose another with --port`;
  if (e.code === 'EACCES') return `not allowed to listen on port ${port} (ports below 1024 need privileges); choose another with --port`;
  if (e.code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine; check --host`;
  return `cannot listen on ${host}:${port}: ${e.message}`;
}

/**
 * Starts the server: one TLS port for HTTPS and the WebSocket protocol at /ws.
 * Accepts a full config or the parts a test needs (the rest defaulted).
 */
export async function startServer(
  partial: Partial<ServerConfig> & { dataDir: string },
  options: { video?: VideoFactory; logDestination?: LogDestination } = {},
): Promise<RunningServer> {
  const config = defaultConfig(partial);
  const log = createLogger(config, options.logDestination);
  const state = priorState(config.dataDir); // before the certificate is made: what an earlier run left
  const tls = await loadTlsMaterial(config.dataDir, config.tlsCert, config.tlsKey);
  const dbPath = join(config.dataDir, 'sealcast.db');
  const db: SqliteDatabase = openInstanceDatabase(config.dataDir, dbPath, state, config.init ?? false);
  const checkpointer = new WalCheckpointer(db, dbPath, {
    onFallback: (reason) => log.warn({ reason }, 'database checkpoints are back on the server thread'),
  });
  const metrics = new Metrics();
  const mailbox = new DeviceMailbox(new SqliteDeviceQueueStore(db), {
    delayMs: config.limits.mailboxWriteDelayMs,
    maxPending: 4096,
    maxPendingBytes: 16 * 1024 * 1024,
    onWriteError: (e) => log.error({ err: e.message }, 'storing messages failed'),
    onTimerError: (e) => log.error({ err: e.message }, 'mailbox flush failed'),
  });
  const conversations = new SqliteConversationStore(db);
  const registry = new Registry(new SqliteAccountStore(db), {
    registrationsPerMinute: config.limits.registrationsPerMinute,
    registrationsPerAddressPerMinute: config.limits.registrationsPerAddressPerMinute,
  });
  const router = new LocalRouter();
  let stopping = false;
  const roster = new RosterBroadcast(
    () => [...router.receivers()].filter((c) => c.session?.protocol === 1),
    () => rosterBatchDelayMs(router.onlineCount, config.limits.rosterBatchMs),
    (e) => log.error({ err: e.message }, 'roster broadcast failed'),
  );
  const conversationView = new ConversationView(conversations);
  const storage = new StorageHealth(db, config.dataDir, config.limits.minFreeDiskBytes);
  let diskWasLow: string | null = null;
  const ctx: ServerContext = {
    config, log, metrics, certFingerprint: tls.fingerprint, registry, router, mailbox, conversations, conversationView,
    keyPackages: new SqliteKeyPackageStore(db), frames: new QueueFrames(conversationView),
    presence: new PresenceService({
      router, conversations, registry, roster, batchMs: () => rosterBatchDelayMs(router.onlineCount, config.limits.rosterBatchMs),
      onTimerError: (e) => log.error({ err: e.message }, 'presence broadcast failed'),
    }),
    roster, shuttingDown: () => stopping,
    storageProblem: () => storage.problem(),
    diskLow: () => {
      // Logged when the state changes, not per refused message: a flood of sends must not flood the log.
      const problem = storage.diskLow();
      if ((problem === null) !== (diskWasLow === null)) {
        if (problem) log.warn({ problem }, 'new messages refused: disk below the free-space watermark');
        else log.info('disk space is back above the watermark: new messages accepted again');
      }
      diskWasLow = problem;
      return problem;
    },
  };
  ensureEveryone(ctx);
  let video: VideoHandler | undefined;
  try {
    video = options.video ? await options.video({ config, log, metrics, db }) : undefined;
  } catch (e) {
    await checkpointer.stop();
    db.close();
    throw e;
  }
  const https: Server = createServer({
    ...tlsServerOptions(tls, config.tlsMinVersion), ...transportTimeouts(config.limits),
  }, limitResponses(config.limits.maxHttpResponses, () => metrics.inc('http_busy_total'), (req, res) => {
    handleHttp(hub, req, res).catch((err: unknown) => {
      log.error({ err: err instanceof Error ? err.message : String(err) }, 'http handler failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  }));
  const transport = guardTransport(https, config.limits, { log, metrics });
  const hub = new Hub(ctx, video, transport.outbound);
  metrics.gauge('connections', () => hub.connections.size);
  metrics.gauge('tcp_connections', () => transport.gate.open);
  metrics.gauge('outbound_queued_bytes', () => transport.outbound.queuedBytes);
  metrics.gauge('online_users', () => router.onlineCount);
  metrics.gauge('stored_deliveries', () => mailbox.counts().deliveries);
  // Twice the limit: frames between the two are answered with FRAME_TOO_LARGE before
  // the close; anything larger is cut off by ws itself with 1009 without being buffered.
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.limits.maxFrameBytes * 2, perMessageDeflate: false });
  https.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws' || hub.shuttingDown) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!isOriginAllowed(req.headers.origin, req.headers.host, config.allowedOrigins)) {
      metrics.inc('dropped_by_limit_total');
      log.warn({ origin: req.headers.origin }, 'websocket origin refused');
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => hub.accept(ws, req));
  });
  https.on('tlsClientError', (err) => log.debug({ err: err.message }, 'tls handshake failed'));

  try {
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(config.port, config.host, () => {
        https.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    // Nothing may outlive a server that could not listen: the library's transcodes, timers, the database.
    roster.stop();
    ctx.presence.stop();
    transport.stop();
    mailbox.flush();
    await video?.close();
    await checkpointer.stop();
    db.close();
    throw new Error(listenFailure(e as NodeJS.ErrnoException, config.host, config.port), { cause: e });
  }
  const port = (https.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;

  const expiry = setInterval(() => {
    // A timer's exception would be uncaught and end the process: a failed sweep is logged, the next one retries.
    try {
      const n = mailbox.expire(Date.now());
      if (n > 0) log.info({ expired: n }, 'expired stored messages');
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e) }, 'expiring stored messages failed');
    }
  }, 60_000);
  expiry.unref();

  const unusedNames = new UnusedNameSweep(ctx, config.limits.unusedNameMs);
  const unusedTimer = config.limits.unusedNameMs > 0
    ? setInterval(guarded((e) => log.error({ err: e.message }, 'freeing unused names failed'), () => unusedNames.run(Date.now())),
      unusedNameSweepMs(config.limits.unusedNameMs))
    : undefined;
  unusedTimer?.unref();

  const external = new ExternalChanges(db, ctx);
  const externalTimer = setInterval(guarded((e) => log.error({ err: e.message }, 'reading changes made by sealcast admin failed'), () => {
    external.check();
  }), 1000);
  externalTimer.unref();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      hub.shuttingDown = true;
      stopping = true;
      roster.stop();
      ctx.presence.stop();
      clearInterval(expiry);
      transport.stop();
      clearInterval(unusedTimer);
      clearInterval(externalTimer);
      // Queued messages are written (and their senders told) before anyone is disconnected.
      mailbox.flush();
      https.close();
      for (const conn of hub.connections) {
        conn.send({ body: { case: 'reconnect', value: { afterMs: 500, reason: 'server shutting down' } } });
        conn.close(CLOSE_CODES.SERVER_SHUTDOWN, 'server shutting down');
      }
      await video?.close();
      const deadline = Date.now() + 3000;
      while (hub.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const conn of hub.connections) conn.ws.terminate();
      wss.close();
      https.closeAllConnections();
      mailbox.flush();
      await checkpointer.stop();
      db.close();
      log.info('stopped');
      log.flush?.();
    })();
    return closing;
  };

  return {
    port,
    url: `wss://${hostForUrl}:${port}`,
    httpsUrl: `https://${hostForUrl}:${port}`,
    certFingerprint: tls.fingerprint,
    certCreated: tls.created,
    hub,
    log,
    close,
  };
}

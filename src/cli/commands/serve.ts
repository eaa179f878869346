import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestProgressPrinter } from '../ingest-progress.js';
import { ServerConsole } from '../server-console.js';
import { humanLogLine } from '../../server/human-log.js';
import { startServer, formatFingerprint, DEFAULT_LIMITS, LOOPBACK_ADDRESSES, type ServerConfig, type ServerLimits } from '../../server/index.js';

export const SERVE_HELP = `Usage: sealcast serve [options]

Starts the sealcast server: HTTPS + WebSocket (wss://HOST:PORT/ws) on one TLS port.
On first start a self-signed certificate is created under the data directory and its
SHA-256 fingerprint printed; clients pin it on first use.

Options (each also from an environment variable):
  --host HOST            address to listen on            SEALCAST_HOST      (127.0.0.1; 0.0.0.0 for all)
  --port N               TLS port (0 picks a free one)   SEALCAST_PORT      (8443)
  --data DIR             database, certificate, cache    SEALCAST_DATA      (./data)
  --videos DIR           video library                   SEALCAST_VIDEOS    (./videos)
  --no-video             disable the video library
  --no-sample            do not generate a sample video when the library is empty
  --tls-cert FILE        PEM certificate (with --tls-key) SEALCAST_TLS_CERT
  --tls-key FILE         PEM private key                  SEALCAST_TLS_KEY
  --tls-min-version V    TLSv1.3 or TLSv1.2               SEALCAST_TLS_MIN_VERSION (TLSv1.3)
  --allowed-origin URL   extra web origin allowed to open the socket (repeatable)
                                                         SEALCAST_ALLOWED_ORIGINS (comma-separated)
  --web-root DIR         web app files to serve at /     SEALCAST_WEB_ROOT  (built app, if present)
  --log-level LEVEL      trace|debug|info|warn|error|silent  SEALCAST_LOG_LEVEL (info)
  --log-file FILE        write logs there (JSON) instead of the terminal  SEALCAST_LOG_FILE
  --log-format FORMAT    auto|human|json: auto is readable lines on a terminal, JSON (pino) to
                         a pipe or file                      SEALCAST_LOG_FORMAT (auto)
  --admin NAME           this user sees which files failed and why (repeatable)
                                                         SEALCAST_ADMINS (comma-separated)
  --log-addresses        put client IP addresses in the logs (off: they are personal data)
                                                         SEALCAST_LOG_ADDRESSES=1
  --metrics-allow ADDR   address that may read /metrics (repeatable; * for any; default 127.0.0.1 and ::1)
                                                         SEALCAST_METRICS_ALLOW (comma-separated)
  (environment only)     SEALCAST_METRICS_TOKEN: /metrics also needs "Authorization: Bearer TOKEN"
  --init                 start a fresh, empty registry although the data directory holds an earlier
                         run's certificate or HLS secret (without it, a missing or empty database there
                         is refused: every name could be claimed again)

Limits (environment only):
  SEALCAST_MAX_FRAME_BYTES (${DEFAULT_LIMITS.maxFrameBytes})   SEALCAST_MESSAGES_PER_SECOND (${DEFAULT_LIMITS.messagesPerSecond})
  SEALCAST_MESSAGE_BURST (${DEFAULT_LIMITS.messageBurst})          SEALCAST_CONNECTIONS_PER_ADDRESS (${DEFAULT_LIMITS.connectionsPerAddress})
  SEALCAST_REGISTRATIONS_PER_MINUTE (${DEFAULT_LIMITS.registrationsPerMinute})
  SEALCAST_MAX_STORED_BYTES_PER_RECIPIENT (${DEFAULT_LIMITS.maxStoredBytesPerRecipient})
  SEALCAST_MAX_QUEUED_BYTES (${DEFAULT_LIMITS.maxQueuedBytes})     SEALCAST_MAILBOX_TTL_DAYS (30)
  SEALCAST_STREAMS_PER_CONNECTION (${DEFAULT_LIMITS.streamsPerConnection})      SEALCAST_PLAYS_PER_MINUTE (${DEFAULT_LIMITS.playsPerMinute})
  SEALCAST_HLS_TOKEN_TTL_SECONDS (${DEFAULT_LIMITS.hlsTokenTtlMs / 1000})
  SEALCAST_REGISTRATIONS_PER_ADDRESS_PER_MINUTE (${DEFAULT_LIMITS.registrationsPerAddressPerMinute})
  SEALCAST_MAX_STORED_BYTES_PER_SENDER (${DEFAULT_LIMITS.maxStoredBytesPerSender})  SEALCAST_MAX_STORED_BYTES_TOTAL (${DEFAULT_LIMITS.maxStoredBytesTotal})
  SEALCAST_QUEUE_WINDOW_BYTES (${DEFAULT_LIMITS.queueWindowBytes})  SEALCAST_QUEUE_WINDOW_ITEMS (${DEFAULT_LIMITS.queueWindowItems})
  SEALCAST_MAX_KEY_PACKAGES_PER_DEVICE (${DEFAULT_LIMITS.maxKeyPackagesPerDevice})  SEALCAST_MAX_CONVERSATIONS_PER_ACCOUNT (${DEFAULT_LIMITS.maxConversationsPerAccount})
  SEALCAST_MIN_FREE_DISK_BYTES (${DEFAULT_LIMITS.minFreeDiskBytes}): /healthz answers 503 below it
  SEALCAST_UNUSED_NAME_DAYS (30): a name never logged in to after registering is freed; 0 = never
Connections and what they may hold (0 disables a timeout or the budget):
  SEALCAST_MAX_CONNECTIONS (0: 90% of the open-file limit less 128)
  SEALCAST_TLS_HANDSHAKE_TIMEOUT_SECONDS (${DEFAULT_LIMITS.tlsHandshakeTimeoutMs / 1000})  SEALCAST_HTTP_HEADERS_TIMEOUT_SECONDS (${DEFAULT_LIMITS.httpHeadersTimeoutMs / 1000})
  SEALCAST_MAX_HTTP_RESPONSES (${DEFAULT_LIMITS.maxHttpResponses})  SEALCAST_MAX_OUTBOUND_BYTES (${DEFAULT_LIMITS.maxOutboundBytes})
  SEALCAST_DRAIN_TIMEOUT_SECONDS (${DEFAULT_LIMITS.drainTimeoutMs / 1000})
`;

const LIMIT_ENV: [keyof ServerLimits, string, number][] = [
  ['maxFrameBytes', 'SEALCAST_MAX_FRAME_BYTES', 1],
  ['messagesPerSecond', 'SEALCAST_MESSAGES_PER_SECOND', 1],
  ['messageBurst', 'SEALCAST_MESSAGE_BURST', 1],
  ['connectionsPerAddress', 'SEALCAST_CONNECTIONS_PER_ADDRESS', 1],
  ['registrationsPerMinute', 'SEALCAST_REGISTRATIONS_PER_MINUTE', 1],
  ['maxStoredBytesPerRecipient', 'SEALCAST_MAX_STORED_BYTES_PER_RECIPIENT', 1],
  ['maxQueuedBytes', 'SEALCAST_MAX_QUEUED_BYTES', 1],
  ['mailboxTtlMs', 'SEALCAST_MAILBOX_TTL_DAYS', 24 * 3600 * 1000],
  ['streamsPerConnection', 'SEALCAST_STREAMS_PER_CONNECTION', 1],
  ['playsPerMinute', 'SEALCAST_PLAYS_PER_MINUTE', 1],
  ['hlsTokenTtlMs', 'SEALCAST_HLS_TOKEN_TTL_SECONDS', 1000],
  ['registrationsPerAddressPerMinute', 'SEALCAST_REGISTRATIONS_PER_ADDRESS_PER_MINUTE', 1],
  ['maxStoredBytesPerSender', 'SEALCAST_MAX_STORED_BYTES_PER_SENDER', 1],
  ['maxStoredBytesTotal', 'SEALCAST_MAX_STORED_BYTES_TOTAL', 1],
  ['queueWindowBytes', 'SEALCAST_QUEUE_WINDOW_BYTES', 1],
  ['queueWindowItems', 'SEALCAST_QUEUE_WINDOW_ITEMS', 1],
  ['maxKeyPackagesPerDevice', 'SEALCAST_MAX_KEY_PACKAGES_PER_DEVICE', 1],
  ['maxConversationsPerAccount', 'SEALCAST_MAX_CONVERSATIONS_PER_ACCOUNT', 1],
  ['minFreeDiskBytes', 'SEALCAST_MIN_FREE_DISK_BYTES', 1],
  ['maxConnections', 'SEALCAST_MAX_CONNECTIONS', 1],
  ['tlsHandshakeTimeoutMs', 'SEALCAST_TLS_HANDSHAKE_TIMEOUT_SECONDS', 1000],
  ['httpHeadersTimeoutMs', 'SEALCAST_HTTP_HEADERS_TIMEOUT_SECONDS', 1000],
  ['maxHttpResponses', 'SEALCAST_MAX_HTTP_RESPONSES', 1],
  ['maxOutboundBytes', 'SEALCAST_MAX_OUTBOUND_BYTES', 1],
  ['drainTimeoutMs', 'SEALCAST_DRAIN_TIMEOUT_SECONDS', 1000],
  ['unusedNameMs', 'SEALCAST_UNUSED_NAME_DAYS', 24 * 3600 * 1000],
  // Seconds, for tests and trials; wins over the days when both are set (it comes later).
  ['unusedNameMs', 'SEALCAST_UNUSED_NAME_SECONDS', 1000],
];

class UsageError extends Error {}

/** A yes/no environment variable: 1/true/yes or 0/false/no (or unset). */
function flagEnv(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || /^(0|false|no)$/i.test(raw)) return false;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  throw new UsageError(`${name} must be 1 or 0, got "${raw}"`);
}

function positiveNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

/** Builds the server config from flags, then SEALCAST_* variables, then defaults. */
export function serveConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      data: { type: 'string' },
      videos: { type: 'string' },
      'no-video': { type: 'boolean' },
      'no-sample': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-min-version': { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
      'web-root': { type: 'string' },
      'log-level': { type: 'string' },
      'log-file': { type: 'string' },
      'log-format': { type: 'string' },
      admin: { type: 'string', multiple: true },
      init: { type: 'boolean' },
      'log-addresses': { type: 'boolean' },
      'metrics-allow': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const port = positiveNumber('--port', values.port ?? env.SEALCAST_PORT ?? '8443');
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port must be 0-65535, got ${port}`);
  const tlsMin = values['tls-min-version'] ?? env.SEALCAST_TLS_MIN_VERSION ?? 'TLSv1.3';
  if (tlsMin !== 'TLSv1.3' && tlsMin !== 'TLSv1.2') throw new UsageError('--tls-min-version must be TLSv1.3 or TLSv1.2');
  const level = values['log-level'] ?? env.SEALCAST_LOG_LEVEL ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) {
    throw new UsageError(`--log-level must be one of trace, debug, info, warn, error, silent`);
  }
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [key, name, scale] of LIMIT_ENV) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') limits[key] = positiveNumber(name, raw) * scale;
  }
  const origins = values['allowed-origin'] ?? (env.SEALCAST_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean);
  const noVideo = values['no-video'] ?? false;
  const certPath = values['tls-cert'] ?? env.SEALCAST_TLS_CERT;
  const keyPath = values['tls-key'] ?? env.SEALCAST_TLS_KEY;
  if (!certPath !== !keyPath) throw new UsageError('--tls-cert and --tls-key must be given together');
  const logFile = values['log-file'] ?? env.SEALCAST_LOG_FILE;
  const logFormat = values['log-format'] ?? env.SEALCAST_LOG_FORMAT ?? 'auto';
  if (!['auto', 'human', 'json'].includes(logFormat)) throw new UsageError('--log-format must be auto, human or json');
  if (logFormat === 'human' && logFile) throw new UsageError('--log-file writes JSON; --log-format human is for a terminal');
  const metricsAllow = (values['metrics-allow'] ?? (env.SEALCAST_METRICS_ALLOW ?? '').split(',')).map((a) => a.trim()).filter(Boolean);
  for (const a of metricsAllow) {
    if (a !== '*' && isIP(a) === 0) throw new UsageError(`--metrics-allow takes an IP address or *, got "${a}"`);
  }
  const metricsToken = env.SEALCAST_METRICS_TOKEN;
  const logAddresses = values['log-addresses'] ?? flagEnv('SEALCAST_LOG_ADDRESSES', env.SEALCAST_LOG_ADDRESSES);
  const admins = (values.admin ?? (env.SEALCAST_ADMINS ?? '').split(',')).map((n) => n.trim().toLowerCase()).filter(Boolean);
  return {
    host: values.host ?? env.SEALCAST_HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(values.data ?? env.SEALCAST_DATA ?? './data'),
    videosDir: noVideo ? null : resolve(values.videos ?? env.SEALCAST_VIDEOS ?? './videos'),
    generateSample: !(values['no-sample'] ?? false),
    ...(certPath ? { tlsCert: certPath } : {}),
    ...(keyPath ? { tlsKey: keyPath } : {}),
    tlsMinVersion: tlsMin,
    logLevel: level as ServerConfig['logLevel'],
    ...(logFile ? { logFile } : {}),
    allowedOrigins: origins,
    admins,
    logFormat: logFormat as ServerConfig['logFormat'],
    webRoot: values['web-root'] ?? env.SEALCAST_WEB_ROOT ?? defaultWebRoot(),
    limits,
    metricsAllow: metricsAllow.length > 0 ? metricsAllow : [...LOOPBACK_ADDRESSES],
    ...(metricsToken ? { metricsToken } : {}),
    ...(logAddresses ? { logAddresses: true } : {}),
    ...(values.init ? { init: true } : {}),
  };
}

/** The web app built by `npm run build` (dist/web), when present. */
function defaultWebRoot(): string | null {
  const dir = fileURLToPath(new URL('../../../web/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** `sealcast serve`: runs until SIGINT/SIGTERM, then shuts down gracefully. */
export async function run(argv: string[]): Promise<number> {
  let config: ServerConfig | 'help';
  try {
    config = serveConfig(argv);
  } catch (e) {
    process.stderr.write(`sealcast serve: ${(e as Error).message}\nRun "sealcast serve --help" for usage.\n`);
    return 2;
  }
  if (config === 'help') {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  // People at a terminal get readable lines; a pipe, a file or --log-format json gets pino's JSON.
  const human = config.logFormat === 'human' || (config.logFormat === 'auto' && !config.logFile && !!process.stdout.isTTY);
  const screen = new ServerConsole(process.stderr);
  const color = !!process.stderr.isTTY && !process.env.NO_COLOR;
  const say = (text: string) => screen.line(text);
  let server;
  try {
    // Video pulls in the media pipeline (ffmpeg); load it only when the library is enabled.
    const video = config.videosDir ? (await import('../../server/video-service.js')).createVideoFactory(ingestProgressPrinter(screen)) : undefined;
    server = await startServer(config, {
      ...(video ? { video } : {}),
      ...(human ? { logDestination: { write: (record: string) => say(humanLogLine(record, color)) } } : {}),
    });
  } catch (e) {
    process.stderr.write(`sealcast serve: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  // Handlers go in before the "listening" line: whoever waits for that line may
  // signal at once, and an unhandled SIGTERM would kill the process uncleanly.
  const running = server;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      say(`${signal}: shutting down`);
      const force = setTimeout(() => process.exit(1), 8000);
      force.unref();
      running.close().then(resolveStop, resolveStop);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  const fp = formatFingerprint(server.certFingerprint);
  // Loopback is shown as localhost, the name the certificate and the README use.
  const shown = (url: string) => (LOOPBACK.has(config.host) ? url.replace(/^(\w+:\/\/)[^/]+(:\d+)$/, '$1localhost$2') : url);
  // One write: whoever waits for the "listening" line finds the fingerprint with it.
  say(
    `sealcast listening on ${shown(server.httpsUrl)} (protocol at ${shown(server.url)}/ws)\n` +
      `TLS certificate SHA-256 fingerprint${server.certCreated ? ' (new, self-signed)' : ''}:\n  ${fp}\n` +
      `Clients pin it on first use; to pin explicitly: --fingerprint ${Buffer.from(server.certFingerprint).toString('hex')}\n` +
      `data: ${config.dataDir}${config.videosDir ? `  videos: ${config.videosDir}` : ''}`,
  );
  await stopped;
  return 0;
}

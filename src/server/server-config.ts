/** Everything the server can be told; cli/commands/serve.ts fills it from flags and SEALCAST_* variables. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Holds the database, the TLS certificate, the HLS secret and the video cache. */
  dataDir: string;
  /** Video library; null disables video. */
  videosDir: string | null;
  /** Generate a sample video when the library is empty. */
  generateSample: boolean;
  tlsCert?: string;
  tlsKey?: string;
  /** 'TLSv1.3' by default; 'TLSv1.2' only when an operator must serve old clients. */
  tlsMinVersion: 'TLSv1.2' | 'TLSv1.3';
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Log destination; defaults to stdout. */
  logFile?: string;
  /** Put client IP addresses in log records (off by default: they are personal data). */
  logAddresses?: boolean;
  /**
   * Who may read /metrics: client addresses allowed ('*' for any; default loopback only), and when set,
   * a bearer token every scrape must carry as `Authorization: Bearer TOKEN`.
   */
  metricsAllow: string[];
  metricsToken?: string;
  /** auto: readable lines on a terminal, JSON otherwise (cli/commands/serve.ts decides); the server itself always logs JSON records. */
  logFormat?: 'auto' | 'human' | 'json';
  /** Extra origins allowed to open the WebSocket (besides the server's own). */
  allowedOrigins: string[];
  /** Names that see the operator's view of the library (files that failed, and why). */
  admins: string[];
  /** Web app files to serve at /; null serves a short notice. */
  webRoot: string | null;
  limits: ServerLimits;
  /** Accept a new, empty database beside an earlier run's certificate and HLS secret (a fresh registry on purpose). */
  init?: boolean;
}

export interface ServerLimits {
  maxFrameBytes: number;
  messagesPerSecond: number;
  messageBurst: number;
  framesPerSecond: number;
  /** TCP connections one address (an IPv6 /64) may hold, counted from accept, before TLS. */
  connectionsPerAddress: number;
  /** TCP connections the server holds in all; 0 derives it from the process's file-descriptor limit. */
  maxConnections: number;
  /** A TLS handshake not finished in this time is dropped (Node's default is 120 s). */
  tlsHandshakeTimeoutMs: number;
  /** An HTTP request (or WebSocket upgrade) whose headers are not all in by then is answered 408 and closed. */
  httpHeadersTimeoutMs: number;
  /** HTTP responses in progress at once; more are answered 503. */
  maxHttpResponses: number;
  /** Bytes queued for all clients together (WebSocket and HTTP); past it the largest queues are cut. */
  maxOutboundBytes: number;
  /** A connection whose queued bytes have not drained at all for this long is cut. */
  drainTimeoutMs: number;
  /** Registrations the server accepts a minute, from all addresses together. */
  registrationsPerMinute: number;
  /** Registrations one address (an IPv6 /64) may make a minute. */
  registrationsPerAddressPerMinute: number;
  /** Bytes one device's queue may hold. */
  maxStoredBytesPerRecipient: number;
  /** Bytes one sender may make the server hold for recipients that have not read them, counted per device copy. */
  maxStoredBytesPerSender: number;
  /** Bytes all queues together may hold. */
  maxStoredBytesTotal: number;
  /** v2: a device's queue goes out in windows of this many bytes and items not yet acknowledged. */
  queueWindowBytes: number;
  queueWindowItems: number;
  /** v2: key packages the server keeps per device (besides its last-resort one). */
  maxKeyPackagesPerDevice: number;
  /** v2: conversations one account may be a member of. */
  maxConversationsPerAccount: number;
  /** Outgoing bytes queued for one client before it is disconnected as a slow consumer. */
  maxQueuedBytes: number;
  mailboxTtlMs: number;
  /** How long a routed message waits for its recipients' acks before it is written (group commit). */
  mailboxWriteDelayMs: number;
  loginTimeoutMs: number;
  /** Shortest window in which roster changes are collected into one frame (it grows with the clients online). */
  rosterBatchMs: number;
  maxViolations: number;
  hlsTokenTtlMs: number;
  streamsPerConnection: number;
  playsPerMinute: number;
  /** Below this many free bytes on the data directory's disk, /healthz answers 503. */
  minFreeDiskBytes: number;
  /** A name registered and never logged in to again is freed after this long (ms); 0 keeps it for ever. */
  unusedNameMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxFrameBytes: 1024 * 1024,
  messagesPerSecond: 50,
  messageBurst: 200,
  framesPerSecond: 200,
  connectionsPerAddress: 32,
  maxConnections: 0,
  tlsHandshakeTimeoutMs: 10_000,
  httpHeadersTimeoutMs: 10_000,
  maxHttpResponses: 512,
  maxOutboundBytes: 256 * 1024 * 1024,
  drainTimeoutMs: 30_000,
  registrationsPerMinute: 600,
  registrationsPerAddressPerMinute: 30,
  maxStoredBytesPerRecipient: 256 * 1024 * 1024,
  maxStoredBytesPerSender: 1024 * 1024 * 1024,
  maxStoredBytesTotal: 16 * 1024 * 1024 * 1024,
  queueWindowBytes: 1024 * 1024,
  queueWindowItems: 500,
  maxKeyPackagesPerDevice: 200,
  maxConversationsPerAccount: 1000,
  maxQueuedBytes: 8 * 1024 * 1024,
  mailboxTtlMs: 30 * 24 * 3600 * 1000,
  mailboxWriteDelayMs: 25,
  loginTimeoutMs: 10_000,
  rosterBatchMs: 20,
  maxViolations: 5,
  hlsTokenTtlMs: 3600 * 1000,
  streamsPerConnection: 2,
  playsPerMinute: 30,
  minFreeDiskBytes: 256 * 1024 * 1024,
  unusedNameMs: 30 * 24 * 3600 * 1000,
};

/** The default /metrics allow-list: scrapes from this machine only. */
export const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'] as const;

/** A config with sane defaults for everything but the data directory. */
export function defaultConfig(overrides: Partial<ServerConfig> & { dataDir: string }): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 8443,
    videosDir: null,
    generateSample: false,
    tlsMinVersion: 'TLSv1.3',
    logLevel: 'info',
    allowedOrigins: [],
    admins: [],
    webRoot: null,
    metricsAllow: [...LOOPBACK_ADDRESSES],
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...(overrides.limits ?? {}) },
  };
}

/** The sealcast server: TLS, WebSocket gateway, registry, router, mailbox, HTTP. */
export { startServer, type RunningServer, type VideoFactory } from './server.js';
export { defaultConfig, DEFAULT_LIMITS, LOOPBACK_ADDRESSES, type ServerConfig, type ServerLimits } from './server-config.js';
export { formatFingerprint, loadTlsMaterial } from './tls-certificate.js';
export { ServerError, isServerError } from './server-error.js';

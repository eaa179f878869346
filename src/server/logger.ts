import pino, { type Logger } from 'pino';
import type { ServerConfig } from './server-config.js';

export type { Logger };

/**
 * Structured logs for operators. Callers log events, counts and names only: never
 * message contents, envelopes, bundles or keys (the redact list is a second line of defence).
 */
export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logFile'>): Logger {
  const options = {
    level: config.logLevel,
    base: { svc: 'sealcast' },
    redact: { paths: ['envelope', 'bundle', 'signature', 'token', '*.envelope', '*.bundle', '*.token'], remove: true },
  };
  if (config.logFile) return pino(options, pino.destination({ dest: config.logFile, sync: false, mkdir: true }));
  return pino(options);
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ServerConfig } from './server-config.js';

export type { Logger };

/** Where log records go instead of stdout: one JSON record per `write` call (the people's console formats them). */
export interface LogDestination {
  write(record: string): void;
}

/**
 * Structured logs for operators. Callers log events, counts and names only: never
 * message contents, envelopes, bundles or keys (the redact list is a second line of defence), and
 * client addresses only with `logAddresses`.
 * JSON to the log file when there is one, else to `destination` when given, else to stdout.
 */
export function createLogger(config: Pick<ServerConfig, 'logLevel' | 'logFile' | 'logAddresses'>, destination?: LogDestination): Logger {
  // Client IP addresses are personal data: records carry them (as `address`) only when the operator asks.
  const addresses = config.logAddresses ? [] : ['address', '*.address'];
  const options = {
    level: config.logLevel,
    base: { svc: 'sealcast' },
    redact: { paths: ['envelope', 'bundle', 'signature', 'token', '*.envelope', '*.bundle', '*.token', ...addresses], remove: true },
  };
  if (config.logFile) {
    // Logs name users and events: readable by the operator only (a directory made here too, often the data directory).
    mkdirSync(dirname(config.logFile), { recursive: true, mode: 0o700 });
    return pino(options, pino.destination({ dest: config.logFile, sync: false, mode: 0o600 }));
  }
  if (destination) return pino(options, destination);
  return pino(options);
}

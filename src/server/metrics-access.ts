import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ServerConfig } from './server-config.js';

/** Why a scrape of /metrics is refused, or null when it may read them. */
export type MetricsRefusal = { status: 401 | 403; message: string } | null;

/** "::ffff:10.0.0.1" (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * /metrics tells who is online and how busy the server is: by default only this machine may read
 * them; `metricsAllow` widens that by address ('*' for any), `metricsToken` adds a bearer token.
 */
export function metricsRefusal(config: Pick<ServerConfig, 'metricsAllow' | 'metricsToken'>, req: IncomingMessage): MetricsRefusal {
  const address = plainAddress(req.socket.remoteAddress ?? '');
  if (!config.metricsAllow.includes('*') && !config.metricsAllow.map(plainAddress).includes(address)) {
    return { status: 403, message: 'metrics are not served to this address (see --metrics-allow)' };
  }
  if (config.metricsToken) {
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compared as hashes: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!timingSafeEqual(digest(given), digest(config.metricsToken))) {
      return { status: 401, message: 'metrics need "Authorization: Bearer TOKEN" (SEALCAST_METRICS_TOKEN)' };
    }
  }
  return null;
}

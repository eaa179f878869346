import { Redis } from 'ioredis';
import { redactUrl } from '../../store/url-redaction.js';

export interface RedisOptions {
  /** Every key and channel starts with this (one deployment, or one test run, per prefix). */
  prefix: string;
  /** A connection error (Redis restarting, network down): ioredis reconnects by itself; this reports it. */
  onError: (e: Error) => void;
}

/**
 * Opens one connection and waits until it answers. ioredis reconnects after a drop and subscribes
 * its channels again (DESIGN.md §9), so a Redis restart slows delivery down and loses nothing the
 * mailbox holds.
 */
export async function openRedis(url: string, onError: (e: Error) => void): Promise<Redis> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true });
  r.on('error', onError);
  try {
    await r.connect();
  } catch (e) {
    r.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
  }
  return r;
}

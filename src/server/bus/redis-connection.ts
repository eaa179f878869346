import { Redis } from 'ioredis';

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
    throw new Error(`cannot reach Redis at ${redactRedis(url)}: ${(e as Error).message}`, { cause: e });
  }
  return r;
}

/** The URL without its password, for messages. */
export function redactRedis(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

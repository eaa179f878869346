import { StoreError } from '../store-error.js';

/** Node socket errors that mean the server cannot be reached. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);

/**
 * Whether an error says the database is not there (down, restarting, unreachable) rather than that
 * a statement was wrong: SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down,
 * starting), a socket error, or pg's own words for a dropped or timed-out connection.
 */
export function isUnavailable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || SOCKET_CODES.has(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message);
}

/** The store's error for it: sends are refused with this, never acknowledged. */
export function unavailable(e: unknown): StoreError {
  return new StoreError('UNAVAILABLE', `the database cannot be reached (${(e as Error).message}); nothing was stored`, { cause: e });
}

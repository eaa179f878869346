import type { WireErrorName } from '../protocol/index.js';

/**
 * Stable codes of the client layer. A server `Error` frame's wire name
 * (NAME_TAKEN, UNKNOWN_PEER, RATE_LIMITED, …) is passed through unchanged; the
 * client adds its own:
 * - KEY_CHANGED: a recipient's key changed and the user has not accepted it (`detail.peers`).
 * - NOT_CONNECTED, CONNECT_FAILED, CLOSED, TIMEOUT: transport states.
 * - CERT_CHANGED: the server certificate differs from the pinned one (raised by connectors).
 * - LOGIN_FAILED, BAD_SERVER_FRAME: the server did not follow the protocol.
 * - TOO_LARGE, BAD_RECIPIENT: refused before anything was sent.
 */
export type ClientErrorCode =
  | WireErrorName
  | 'KEY_CHANGED' | 'NOT_CONNECTED' | 'CONNECT_FAILED' | 'CLOSED' | 'TIMEOUT' | 'CERT_CHANGED'
  | 'LOGIN_FAILED' | 'BAD_SERVER_FRAME' | 'TOO_LARGE' | 'BAD_RECIPIENT' | 'BAD_URL'
  | (string & {});

/** The client layer's one error type: `code` is stable, `message` is for people, `detail` for programs. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(readonly code: ClientErrorCode, message: string, readonly detail?: Record<string, unknown>) {
    super(message);
  }

  /** True when this error has `code`. */
  is(code: ClientErrorCode): boolean {
    return this.code === code;
  }
}

/** Type guard, optionally for one code: `if (isClientError(e, 'KEY_CHANGED')) …`. */
export function isClientError(e: unknown, code?: ClientErrorCode): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code);
}

/** The human text of anything thrown, for error events and wrapped errors. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

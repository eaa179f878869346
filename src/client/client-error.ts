/** Stable codes of the client layer: wire error names plus the client's own. */
export type ClientErrorCode =
  | 'KEY_CHANGED' | 'UNKNOWN_PEER' | 'NOT_CONNECTED' | 'TIMEOUT' | 'LOGIN_FAILED' | 'CERT_CHANGED'
  | 'CLOSED' | 'BAD_SERVER_FRAME' | 'SEND_FAILED' | (string & {});

/** The client layer's one error type. `code` is stable; a server Error's wire name is passed through. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(readonly code: ClientErrorCode, message: string, readonly detail?: Record<string, unknown>) {
    super(message);
  }
}

export function isClientError(e: unknown, code?: ClientErrorCode): e is ClientError {
  return e instanceof ClientError && (code === undefined || e.code === code);
}

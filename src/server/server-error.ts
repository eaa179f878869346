import type { WireErrorName } from '../protocol/index.js';

/** The server layer's one error type; `code` is the wire name sent back in an Error frame. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(readonly code: WireErrorName, message: string, readonly refId?: Uint8Array) {
    super(message);
  }
}

/** Type guard, optionally for one code. */
export function isServerError(e: unknown, code?: WireErrorName): e is ServerError {
  return e instanceof ServerError && (code === undefined || e.code === code);
}

import { WIRE_ERRORS, type WireErrorName } from './error-codes.js';

/**
 * The protocol layer's one error type. `code` is the stable wire name so that a
 * server can forward it as an Error frame unchanged and tests can assert on it.
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(readonly code: WireErrorName, message: string) {
    super(message);
  }
  /** The number sent in an Error frame. */
  get wireCode(): number {
    return WIRE_ERRORS[this.code];
  }
}

/** Type guard, optionally for one code: `isProtocolError(e, 'FRAME_TOO_LARGE')`. */
export function isProtocolError(e: unknown, code?: WireErrorName): e is ProtocolError {
  return e instanceof ProtocolError && (code === undefined || e.code === code);
}

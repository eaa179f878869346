/** Stable codes for the store layer; tests and the server's start-up message switch on them. */
export type StoreErrorCode = 'CORRUPT_DATABASE' | 'OPEN_FAILED' | 'SCHEMA_TOO_NEW' | 'NOT_WRITABLE' | 'MIGRATION_FAILED' | 'UNAVAILABLE';

/** The store layer's one error type. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(readonly code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Type guard, optionally for one code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

/** Stable codes of the media layer; the server maps them onto wire errors. */
export type MediaErrorCode = 'UNKNOWN_TITLE' | 'BAD_TITLE' | 'NOT_READY' | 'TRANSCODE_FAILED' | 'PROBE_FAILED' | 'BAD_POLICY' | 'TOO_MANY_STREAMS';

/** The media layer's one error type. */
export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(readonly code: MediaErrorCode, message: string) {
    super(message);
  }
}

export function isMediaError(e: unknown, code?: MediaErrorCode): e is MediaError {
  return e instanceof MediaError && (code === undefined || e.code === code);
}

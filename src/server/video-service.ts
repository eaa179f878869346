import type { VideoFactory } from './server.js';

/** Video is wired in with the media library (issue 3); until then the server runs without it. */
export function createVideoFactory(): VideoFactory {
  return async () => undefined;
}

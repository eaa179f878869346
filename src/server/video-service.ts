import type { VideoFactory } from './server.js';

/**
 * The video library (src/media) is not part of this build yet: `sealcast serve` runs
 * messaging only and says so. The media pipeline replaces this file.
 */
export function createVideoFactory(): VideoFactory {
  return async ({ log }) => {
    log.warn('video library not available in this build; serving messaging only');
    return undefined;
  };
}

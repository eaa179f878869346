/** The video library: scan, probe, ladder transcode, HLS playlists, rendition policies, socket streaming. */
export * from './ffmpeg-path.js';
export * from './ladder.js';
export * from './media-error.js';
export * from './media-library.js';
export * from './playlists.js';
export * from './probe.js';
export * from './rendition-policy.js';
export * from './segment-cache.js';
export * from './stream-session.js';
export * from './title-name.js';
export * from './transcoder.js';

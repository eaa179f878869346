/** The client core shared by the CLI and the web app. */
export * from './client-error.js';
export * from './event-emitter.js';
export * from './sealcast-client.js';
export * from './socket-like.js';
export * from './storage.js';
export * from './trust-store.js';
export * from './video-stream.js';

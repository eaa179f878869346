/**
 * The client core shared by the CLI and the web app: login, roster with trust on
 * first use of peer keys, end-to-end encrypted messages. Imports only protocol/
 * and crypto/; no Node or DOM code.
 */
export * from './backoff.js';
export * from './client-error.js';
export * from './event-emitter.js';
export * from './library-view.js';
export * from './sealcast-client.js';
export * from './socket-like.js';
export * from './storage.js';
export * from './trust-store.js';
export * from './video-stream.js';
export * from './bandwidth-estimator.js';
export * from './identity-transfer.js';
export * from './identity-keys.js';
export { MAX_RETIRED, RETIRED_KEEP_MS, type RetiredIdentity, type RetiredIdentityStore } from './identity-ring.js';
export { SealcastAccount } from './account/account-client.js';
export type { AccountEvents, AccountMessage, AccountOptions, ConversationMeta, DeviceView } from './account/account-types.js';

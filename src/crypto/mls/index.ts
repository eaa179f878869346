/**
 * sealcast's MLS adapter (RFC 9420, cipher suite 1 = X25519, AES-128-GCM, SHA-256, Ed25519): the
 * one module that imports the MLS library (ts-mls 1.6), so it can be replaced. Everything here
 * speaks plain bytes, strings and numbers. Browser-safe (WebCrypto and @noble/hashes only).
 * Private-key code: the server must never reach it (a lint rule says so).
 */
export { MlsClient, type MlsClientOptions } from './mls-client.js';
export type { CredentialCheck } from './auth-hook.js';
export type { MlsDevice } from './device.js';
export type { MlsGroupState } from './group-state.js';
export type { MlsMember } from './group-members.js';
export type { MlsProcessed, MlsProposal } from './group-process.js';
export type { MlsCommit, MlsAddCommit, MlsRemoveTarget } from './group-commit.js';
export type { MlsSealed } from './group-send.js';
export { MAX_PLAINTEXT_BYTES, MAX_AUTHENTICATED_DATA_BYTES } from './group-send.js';
export { MAX_GROUP_ID_BYTES } from './group-create.js';
export { MAX_MEMBERS_PER_COMMIT } from './group-commit.js';
export { MAX_MLS_MESSAGE_BYTES } from './mls-message.js';
export {
  DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS,
  MAX_KEY_PACKAGES_PER_CALL,
  type MlsKeyPackage,
  type MlsKeyPackageInfo,
  type KeyPackageOptions,
} from './key-packages.js';
export { LAST_RESORT_EXTENSION } from './leaf-profile.js';
export {
  encodeCredentialIdentity,
  parseCredentialIdentity,
  CREDENTIAL_MAGIC,
  DEVICE_ID_BYTES,
  MAX_CREDENTIAL_NAME_BYTES,
  type MlsIdentity,
} from './credential.js';
export { generateSigningKey, exportSigningKey, importSigningKey, SIGNING_KEY_EXPORT_BYTES, type MlsSigningKey } from './signing-key.js';
export { KEY_RETENTION, PADDING } from './auth-hook.js';
export { SUITE_1, SUITE_1_ID } from './provider/suite-impl.js';
export { MlsError, isMlsError, MLS_ERROR_CODES, type MlsErrorCode, type RefusedCredential } from './mls-error.js';

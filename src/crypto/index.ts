/**
 * sealcast's crypto module: identities, bundles, login proofs, envelopes, fingerprints and
 * replay protection, on WebCrypto (plus @hpke/core for RFC 9180 HPKE). Runs unchanged in
 * Node >= 20 and browsers. The server must import ./verify.js instead (public keys only).
 */
export { SUITES, DEFAULT_SUITE, type SuiteName } from './suites.js';
export { parseBundle, type PublicBundle } from './bundle.js';
export { generateIdentity, exportIdentity, importIdentity, identityFromKeys, type Identity } from './identity.js';
export { exportIdentityEncrypted, importIdentityEncrypted } from './identity-export.js';
export { loginSignatureInput, verifyLogin, verifyRotation, rotationSignatureInput } from './login-proof.js';
export { signLogin, signRotation } from './login-sign.js';
export { sealEnvelope, type SealInput } from './envelope-seal.js';
export { openEnvelope, type OpenInput, type Opened } from './envelope-open.js';
export { readEnvelopeHeader, type EnvelopeHeader } from './envelope-format.js';
export { fingerprintDigits, safetyNumber, shortFingerprint } from './fingerprint.js';
export {
  parseDeviceList, findDevice, deviceIdOf, encodeDeviceListBody, MAX_DEVICES, MAX_DEVICE_LABEL_CHARS,
  type DeviceList, type DeviceEntry, type DeviceListContent,
} from './device-list.js';
export { generateDeviceKey, deviceKeyFromSeed, signDeviceLogin, signDeviceList, type DeviceKey } from './device-key.js';
export { ReplayWindow, type ReplayWindowOptions } from './replay-window.js';
export { randomId, toHex, fromHex, toBase64, fromBase64, constantTimeEqual } from './bytes.js';
export { CryptoError, isCryptoError, type CryptoErrorCode } from './crypto-error.js';

/**
 * The server's only entry into crypto/: public-key verification and envelope header
 * parsing. Nothing reachable from here touches a private key (checked by the lint rules
 * `server-imports-only-public-crypto` and `server-never-reaches-private-key-code`): this
 * file reaches bundle, login-proof, envelope-format, signature, key-checks, suites, bytes
 * and crypto-error only.
 */
export { parseBundle, type PublicBundle } from './bundle.js';
export { loginSignatureInput, verifyLogin, verifyRotation, verifyDeviceLogin } from './login-proof.js';
export { parseDeviceList, findDevice, deviceIdOf, importDeviceKey, type DeviceList, type DeviceEntry } from './device-list.js';
export { readEnvelopeHeader, type EnvelopeHeader } from './envelope-format.js';
export { CryptoError, isCryptoError, type CryptoErrorCode } from './crypto-error.js';
export { toHex, fromHex, constantTimeEqual } from './bytes.js';
export type { SuiteName } from './suites.js';

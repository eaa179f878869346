/**
 * The server's only entry into crypto/: public-key verification and envelope
 * header parsing. Nothing reachable from here touches a private key (checked by
 * the lint rule `server-never-reaches-private-key-code`).
 */
export { parseBundle, type PublicBundle } from './bundle.js';
export { loginSignatureInput, verifyLogin, verifyRotation } from './login-proof.js';
export { readEnvelopeHeader, type EnvelopeHeader } from './envelope-format.js';
export { CryptoError, isCryptoError, type CryptoErrorCode } from './crypto-error.js';
export { toHex } from './bytes.js';

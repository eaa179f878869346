// Login proof (verification side): the server checks that a client holds the
// signing key of the bundle it presents, on this connection, for this name.
import { concat, expectBytes, utf8Bytes, Writer } from './bytes.js';
import type { PublicBundle } from './bundle.js';
import { verifySignature } from './signature.js';

const LOGIN_LABEL = utf8Bytes('sealcast-login-v1\0');
const ROTATE_LABEL = utf8Bytes('sealcast-rotate-v1\0');

/** "sealcast-login-v1\0" ‖ challenge(32) ‖ server certificate fingerprint(32) ‖ u8 len ‖ name. */
export function loginSignatureInput(challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string): Uint8Array {
  expectBytes(challenge, 32, 'challenge');
  expectBytes(serverCertFingerprint, 32, 'serverCertFingerprint');
  return concat(LOGIN_LABEL, new Writer().bytes(challenge).bytes(serverCertFingerprint).str8(name).finish());
}

export async function verifyLogin(
  bundle: PublicBundle, challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string, signature: Uint8Array,
): Promise<boolean> {
  return verifySignature(bundle.suite, bundle.signingKey, loginSignatureInput(challenge, serverCertFingerprint, name), signature);
}

/** "sealcast-rotate-v1\0" ‖ u8 len ‖ name ‖ new bundle fingerprint(32): the old key vouches for the new. */
export function rotationSignatureInput(name: string, newBundle: PublicBundle): Uint8Array {
  return concat(ROTATE_LABEL, new Writer().str8(name).bytes(newBundle.fingerprint).finish());
}

export async function verifyRotation(oldBundle: PublicBundle, name: string, newBundle: PublicBundle, signature: Uint8Array): Promise<boolean> {
  return verifySignature(oldBundle.suite, oldBundle.signingKey, rotationSignatureInput(name, newBundle), signature);
}

// Login and rotation proofs, verification side. The server checks that a client holds the
// signing key of the bundle it presents (on this connection, for this name), and that a
// new bundle is vouched for by the old key. Public keys only: server-reachable.
import { concat, expectBytes, expectName, utf8Bytes, Writer } from './bytes.js';
import { expectBundle, type PublicBundle } from './bundle.js';
import { verifySignature } from './signature.js';

/** Domain separation of login proofs. */
export const LOGIN_LABEL = utf8Bytes('sealcast-login-v1\0');
/** Domain separation of v2 (device) login proofs. */
export const LOGIN_V2_LABEL = utf8Bytes('sealcast-login-v2\0');
/** Domain separation of rotation signatures. */
export const ROTATE_LABEL = utf8Bytes('sealcast-rotate-v1\0');

/**
 * The bytes a login proof signs: "sealcast-login-v1\0" || challenge(32) ||
 * serverCertFingerprint(32) || u8 len || utf8(name). The challenge makes a proof single-use,
 * the certificate fingerprint ties it to the TLS server the client saw (a relaying man in
 * the middle has another certificate), the name ties it to one account.
 */
export function loginSignatureInput(challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string): Uint8Array {
  expectBytes(challenge, 32, 'challenge');
  expectBytes(serverCertFingerprint, 32, 'serverCertFingerprint');
  expectName(name, 'name');
  return concat(LOGIN_LABEL, new Writer().bytes(challenge).bytes(serverCertFingerprint).str8(name).finish());
}

/**
 * True when `signature` is the bundle's login proof for this challenge, certificate and
 * name. A bad signature returns false; malformed challenge/fingerprint/name arguments
 * (caller bugs) throw BAD_INPUT.
 */
export async function verifyLogin(
  bundle: PublicBundle, challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string, signature: Uint8Array,
): Promise<boolean> {
  expectBundle(bundle);
  const input = loginSignatureInput(challenge, serverCertFingerprint, name);
  return verifySignature(bundle.suite, bundle.signingKey, input, signature);
}

/**
 * The bytes a v2 login proof signs, with the device's key: "sealcast-login-v2\0" || challenge(32) ||
 * serverCertFingerprint(32) || u8 len || utf8(name) || device_id(16). As v1, plus the device, so a
 * proof names the one device that logs in.
 */
export function loginV2SignatureInput(challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string, deviceId: Uint8Array): Uint8Array {
  expectBytes(challenge, 32, 'challenge');
  expectBytes(serverCertFingerprint, 32, 'serverCertFingerprint');
  expectName(name, 'name');
  expectBytes(deviceId, 16, 'deviceId');
  return concat(LOGIN_V2_LABEL, new Writer().bytes(challenge).bytes(serverCertFingerprint).str8(name).bytes(deviceId).finish());
}

/** True when `signature` is the device key's v2 login proof for this challenge, certificate, name and device. */
export async function verifyDeviceLogin(
  deviceKey: CryptoKey, challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string, deviceId: Uint8Array, signature: Uint8Array,
): Promise<boolean> {
  const input = loginV2SignatureInput(challenge, serverCertFingerprint, name, deviceId);
  return verifySignature('hpke-x25519-aes128gcm', deviceKey, input, signature);
}

/**
 * The bytes a rotation signature signs: "sealcast-rotate-v1\0" || u8 len || utf8(name) ||
 * fingerprint of the new bundle(32). Signed by the old key, it says "this name now uses that key".
 */
export function rotationSignatureInput(name: string, newBundle: PublicBundle): Uint8Array {
  expectName(name, 'name');
  expectBundle(newBundle, 'newBundle');
  return concat(ROTATE_LABEL, new Writer().str8(name).bytes(newBundle.fingerprint).finish());
}

/** True when the old bundle's signing key signed the rotation of `name` to `newBundle`. */
export async function verifyRotation(oldBundle: PublicBundle, name: string, newBundle: PublicBundle, signature: Uint8Array): Promise<boolean> {
  expectBundle(oldBundle, 'oldBundle');
  const input = rotationSignatureInput(name, newBundle);
  return verifySignature(oldBundle.suite, oldBundle.signingKey, input, signature);
}

// A device's own key (protocol v2), private side: client only, never server-reachable. One Ed25519
// key per device signs its logins and, as its MLS leaf's signature key, its MLS messages (the
// labels differ, RFC 9420 §5.1.2 SignWithLabel). Kept as its 32-byte seed because the MLS library
// signs with raw key bytes; the client keeps it only in its own (encrypted, in browsers) storage.
import { buf, concat, expectBytes, fromBase64 } from './bytes.js';
import type { Identity } from './identity.js';
import { CryptoError } from './crypto-error.js';
import {
  deviceIdOf, deviceListSignatureInput, encodeDeviceList, encodeDeviceListBody, type DeviceListContent,
} from './device-list.js';
import { loginV2SignatureInput } from './login-proof.js';
import { signBytes } from './signing.js';

/** PKCS#8 prefix of an Ed25519 private key (RFC 8410): the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/** A device's key pair and id. */
export interface DeviceKey {
  /** 16 bytes, derived from the public key (deviceIdOf). */
  id: Uint8Array;
  /** Raw Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** Raw Ed25519 private key (seed), 32 bytes: what the MLS library signs with. */
  seed: Uint8Array;
  /** The same key for WebCrypto signing (logins). */
  signingKey: CryptoKey;
}

function base64UrlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

/** Rebuilds a device key from its 32-byte seed (as persisted). */
export async function deviceKeyFromSeed(seed: Uint8Array): Promise<DeviceKey> {
  expectBytes(seed, 32, 'device key seed');
  let signingKey: CryptoKey;
  let publicKey: Uint8Array;
  try {
    const pkcs8 = concat(ED25519_PKCS8_PREFIX, seed);
    // Extractable only so the public half can be read back (WebCrypto cannot derive it otherwise).
    const k = await crypto.subtle.importKey('pkcs8', buf(pkcs8), { name: 'Ed25519' }, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', k);
    if (typeof jwk.x !== 'string') throw new Error('no public key');
    publicKey = base64UrlToBytes(jwk.x);
    signingKey = await crypto.subtle.importKey('pkcs8', buf(pkcs8), { name: 'Ed25519' }, false, ['sign']);
  } catch {
    throw new CryptoError('BAD_INPUT', 'device key seed is not a usable Ed25519 private key');
  }
  return { id: await deviceIdOf(publicKey), publicKey, seed: Uint8Array.from(seed), signingKey };
}

/** A new device key: 32 random bytes as the Ed25519 seed. */
export async function generateDeviceKey(): Promise<DeviceKey> {
  return deviceKeyFromSeed(crypto.getRandomValues(new Uint8Array(32)));
}

/** The device's v2 login proof (see loginV2SignatureInput); sign the certificate fingerprint you saw. */
export async function signDeviceLogin(device: DeviceKey, challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string): Promise<Uint8Array> {
  return signBytes('hpke-x25519-aes128gcm', device.signingKey, loginV2SignatureInput(challenge, serverCertFingerprint, name, device.id));
}

/** Signs a device list with the account's identity key: the encoded list as it travels. */
export async function signDeviceList(identity: Identity, content: DeviceListContent): Promise<Uint8Array> {
  const body = encodeDeviceListBody(content);
  return encodeDeviceList(body, await signBytes(identity.suite, identity.signingPrivateKey, deviceListSignatureInput(body)));
}

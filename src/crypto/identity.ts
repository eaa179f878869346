// Identities: one signing key and one encryption key of a suite, with their self-signed public
// bundle; plus the plain JSON export the CLI saves (mode 0600). Private keys live here and in
// the client's storage only: this file is never reachable from the server.
import { buf, expectBytes, fromBase64, toBase64, utf8Bytes } from './bytes.js';
import {
  bundleSignatureInput, encodeBundle, encodeBundleBody, exportPublicKey, parseBundle, type PublicBundle,
} from './bundle.js';
import { CryptoError, isCryptoError } from './crypto-error.js';
import { hpkeOpen, hpkeSeal } from './hpke.js';
import { signBytes } from './signing.js';
import { verifySignature } from './signature.js';
import { checkSuite, DEFAULT_SUITE, RSA_BITS, RSA_EXPONENT, RSA_OAEP, RSA_PSS, type SuiteName } from './suites.js';

/** A user's key pairs and public bundle: what the client holds, and signs and decrypts with. */
export interface Identity {
  suite: SuiteName;
  bundle: PublicBundle;
  /** Ed25519 or RSA-PSS private key. */
  signingPrivateKey: CryptoKey;
  /** X25519 or RSA-OAEP private key. */
  decryptionPrivateKey: CryptoKey;
}

function expectOptions(opts: unknown): { extractable: boolean } {
  if (opts === undefined) return { extractable: true };
  if (typeof opts !== 'object' || opts === null) throw new CryptoError('BAD_INPUT', 'opts: expected an object');
  const e = (opts as { extractable?: unknown }).extractable;
  if (e !== undefined && typeof e !== 'boolean') throw new CryptoError('BAD_INPUT', 'opts.extractable: expected boolean');
  return { extractable: e ?? true };
}

/**
 * Creates a new identity. `extractable: false` (browsers) keeps the private keys inside
 * WebCrypto for good; the CLI keeps the default true so it can save them to its identity file.
 */
export async function generateIdentity(suite: SuiteName = DEFAULT_SUITE, opts?: { extractable?: boolean }): Promise<Identity> {
  checkSuite(suite);
  const { extractable } = expectOptions(opts);
  let signing: CryptoKeyPair;
  let encryption: CryptoKeyPair;
  if (suite === 'rsa-oaep-3072') {
    // Two separate RSA keys: one key must never both sign and decrypt.
    const params = { modulusLength: RSA_BITS, publicExponent: RSA_EXPONENT };
    [signing, encryption] = await Promise.all([
      crypto.subtle.generateKey({ ...RSA_PSS, ...params }, extractable, ['sign', 'verify']) as Promise<CryptoKeyPair>,
      crypto.subtle.generateKey({ ...RSA_OAEP, ...params }, extractable, ['encrypt', 'decrypt']) as Promise<CryptoKeyPair>,
    ]);
  } else {
    signing = (await crypto.subtle.generateKey({ name: 'Ed25519' }, extractable, ['sign', 'verify'])) as CryptoKeyPair;
    encryption = (await crypto.subtle.generateKey({ name: 'X25519' }, extractable, ['deriveBits'])) as CryptoKeyPair;
  }
  return identityFromKeys(suite, signing.privateKey, signing.publicKey, encryption.privateKey, encryption.publicKey);
}

function expectKey(k: unknown, alg: string, type: KeyType, what: string): CryptoKey {
  const key = k as CryptoKey | null;
  if (!key || typeof key !== 'object' || key.algorithm?.name !== alg || key.type !== type) {
    throw new CryptoError('BAD_INPUT', `${what}: expected a ${type} ${alg} CryptoKey`);
  }
  return key;
}

/**
 * Builds an identity (and its self-signed bundle) from existing WebCrypto keys: for a browser
 * that kept non-extractable keys in IndexedDB, and for fixed test-vector keys. For the RSA suite
 * the bundle's self-signature is randomized (PSS), so the bytes differ each time; the
 * fingerprint (body only) does not.
 */
export async function identityFromKeys(
  suite: SuiteName, signPriv: CryptoKey, signPub: CryptoKey, decPriv: CryptoKey, encPub: CryptoKey,
): Promise<Identity> {
  checkSuite(suite);
  const rsa = suite === 'rsa-oaep-3072';
  expectKey(signPriv, rsa ? 'RSA-PSS' : 'Ed25519', 'private', 'signing private key');
  expectKey(signPub, rsa ? 'RSA-PSS' : 'Ed25519', 'public', 'signing public key');
  expectKey(decPriv, rsa ? 'RSA-OAEP' : 'X25519', 'private', 'decryption private key');
  expectKey(encPub, rsa ? 'RSA-OAEP' : 'X25519', 'public', 'encryption public key');
  const body = encodeBundleBody(suite, await exportPublicKey(suite, signPub), await exportPublicKey(suite, encPub));
  const selfSig = await signBytes(suite, signPriv, bundleSignatureInput(body));
  let bundle: PublicBundle;
  try {
    bundle = await parseBundle(encodeBundle(body, selfSig));
  } catch (e) {
    // The signature does not verify (private key of another pair) or a key is unusable.
    throw new CryptoError('BAD_INPUT', `keys do not form a valid bundle${isCryptoError(e) ? ` (${e.message})` : ''}`);
  }
  const id: Identity = { suite, bundle, signingPrivateKey: signPriv, decryptionPrivateKey: decPriv };
  if (!(await decryptionKeyMatches(id))) throw new CryptoError('BAD_INPUT', 'decryption private key does not match the encryption public key');
  return id;
}

/** True when the identity's signing private key signs for its bundle's signing public key. */
async function signingKeyMatches(id: Identity): Promise<boolean> {
  // Domain-separated: this label is signed by no other part of sealcast.
  const probe = utf8Bytes('sealcast-identity-check-v1\0');
  try {
    return await verifySignature(id.suite, id.bundle.signingKey, probe, await signBytes(id.suite, id.signingPrivateKey, probe));
  } catch {
    return false;
  }
}

/** True when a probe encrypted to the bundle's encryption key decrypts with the identity's private key. */
async function decryptionKeyMatches(id: Identity): Promise<boolean> {
  const probe = crypto.getRandomValues(new Uint8Array(16));
  const label = utf8Bytes('sealcast-identity-check-v1');
  try {
    let out: Uint8Array;
    if (id.suite === 'rsa-oaep-3072') {
      const ct = await crypto.subtle.encrypt({ name: 'RSA-OAEP', label: buf(label) }, id.bundle.encryptionKey, buf(probe));
      out = new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: buf(label) }, id.decryptionPrivateKey, ct));
    } else {
      const wrapped = await hpkeSeal(id.bundle.encryptionKey, label, new Uint8Array(0), probe);
      out = await hpkeOpen({ privateKey: id.decryptionPrivateKey, publicKey: id.bundle.encryptionKey }, label, new Uint8Array(0), wrapped);
    }
    return out.length === probe.length && out.every((b, i) => b === probe[i]);
  } catch {
    return false;
  }
}

/** Version 1 of the exported identity (JSON). */
interface IdentityJson {
  sealcastIdentity: 1;
  suite: SuiteName;
  /** PKCS#8 DER of the signing private key, base64. */
  signingKey: string;
  /** PKCS#8 DER of the decryption private key, base64. */
  decryptionKey: string;
  /** The public bundle, base64. */
  bundle: string;
}

/**
 * The identity as JSON text (version, suite, private keys as PKCS#8 base64, bundle base64), for
 * the CLI's identity file. It holds private keys in clear: store it like an SSH private key, or
 * use exportIdentityEncrypted. Non-extractable identities cannot be exported (BAD_INPUT).
 */
export async function exportIdentity(id: Identity): Promise<string> {
  expectIdentity(id);
  let signingKey: Uint8Array;
  let decryptionKey: Uint8Array;
  try {
    signingKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', id.signingPrivateKey));
    decryptionKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', id.decryptionPrivateKey));
  } catch {
    throw new CryptoError('BAD_INPUT', 'identity private keys are not extractable');
  }
  const json: IdentityJson = {
    sealcastIdentity: 1,
    suite: id.suite,
    signingKey: toBase64(signingKey),
    decryptionKey: toBase64(decryptionKey),
    bundle: toBase64(id.bundle.bytes),
  };
  signingKey.fill(0);
  decryptionKey.fill(0);
  return JSON.stringify(json, null, 2);
}

/**
 * Reads an identity written by exportIdentity. Checks the bundle (self-signature) and that
 * both private keys match it, so a corrupted or mixed-up file fails here (BAD_IDENTITY), not
 * later as undecryptable messages.
 */
export async function importIdentity(json: string, opts?: { extractable?: boolean }): Promise<Identity> {
  if (typeof json !== 'string') throw new CryptoError('BAD_INPUT', 'json: expected string');
  const { extractable } = expectOptions(opts);
  let v: Partial<IdentityJson>;
  try {
    v = JSON.parse(json) as Partial<IdentityJson>;
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'identity is not valid JSON');
  }
  if (!v || typeof v !== 'object' || v.sealcastIdentity !== 1) throw new CryptoError('BAD_IDENTITY', 'not a sealcast identity (version 1)');
  if (typeof v.signingKey !== 'string' || typeof v.decryptionKey !== 'string' || typeof v.bundle !== 'string') {
    throw new CryptoError('BAD_IDENTITY', 'identity lacks signingKey, decryptionKey or bundle');
  }
  const suite = checkSuite(v.suite);
  const rsa = suite === 'rsa-oaep-3072';
  let signPriv: CryptoKey;
  let decPriv: CryptoKey;
  let bundle: PublicBundle;
  try {
    const signDer = fromBase64(v.signingKey);
    const decDer = fromBase64(v.decryptionKey);
    signPriv = await crypto.subtle.importKey('pkcs8', buf(signDer), rsa ? RSA_PSS : { name: 'Ed25519' }, extractable, ['sign']);
    decPriv = await crypto.subtle.importKey('pkcs8', buf(decDer), rsa ? RSA_OAEP : { name: 'X25519' }, extractable, rsa ? ['decrypt'] : ['deriveBits']);
    signDer.fill(0);
    decDer.fill(0);
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'identity private keys do not import');
  }
  try {
    bundle = await parseBundle(fromBase64(v.bundle));
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'identity bundle is invalid');
  }
  if (bundle.suite !== suite) throw new CryptoError('BAD_IDENTITY', 'identity suite differs from its bundle');
  if (rsa) {
    const alg = (k: CryptoKey) => k.algorithm as RsaHashedKeyAlgorithm;
    if (alg(signPriv).modulusLength !== RSA_BITS || alg(decPriv).modulusLength !== RSA_BITS) {
      throw new CryptoError('BAD_IDENTITY', `identity RSA keys must be ${RSA_BITS}-bit`);
    }
  }
  const id: Identity = { suite, bundle, signingPrivateKey: signPriv, decryptionPrivateKey: decPriv };
  if (!(await signingKeyMatches(id))) throw new CryptoError('BAD_IDENTITY', 'identity signing key does not match its bundle');
  if (!(await decryptionKeyMatches(id))) throw new CryptoError('BAD_IDENTITY', 'identity decryption key does not match its bundle');
  return id;
}

/** Checks that a value looks like an Identity (API edge). */
export function expectIdentity(id: unknown, what = 'identity'): Identity {
  const x = id as Partial<Identity> | null;
  if (
    !x || typeof x !== 'object' || typeof x.suite !== 'string' || !x.bundle || !(x.bundle.fingerprint instanceof Uint8Array) ||
    !x.signingPrivateKey || !x.decryptionPrivateKey || x.bundle.suite !== x.suite
  ) {
    throw new CryptoError('BAD_INPUT', `${what}: expected an Identity`);
  }
  expectBytes(x.bundle.fingerprint, 32, `${what}.bundle.fingerprint`);
  return x as Identity;
}


// Identities: a signing key and an encryption key of one suite, with their public bundle.
// Private keys stay here and in the client's storage; nothing in this file is sent anywhere.
import { buf, fromBase64, toBase64 } from './bytes.js';
import { encodeBundle, encodeBundleBody, bundleSignatureInput, exportPublicKey, parseBundle, type PublicBundle } from './bundle.js';
import { CryptoError } from './crypto-error.js';
import { signBytes } from './signing.js';
import { verifySignature } from './signature.js';
import { checkSuite, DEFAULT_SUITE, RSA_BITS, RSA_OAEP, RSA_PSS, type SuiteName } from './suites.js';

export interface Identity {
  suite: SuiteName;
  bundle: PublicBundle;
  signingPrivateKey: CryptoKey;
  decryptionPrivateKey: CryptoKey;
}

const RSA_EXPONENT = new Uint8Array([1, 0, 1]);

/**
 * Creates a new identity. `extractable: false` (browsers) keeps the private keys
 * inside WebCrypto; the CLI uses true so it can save them to its identity file.
 */
export async function generateIdentity(suite: SuiteName = DEFAULT_SUITE, opts: { extractable?: boolean } = {}): Promise<Identity> {
  checkSuite(suite);
  const extractable = opts.extractable ?? true;
  let signing: CryptoKeyPair;
  let encryption: CryptoKeyPair;
  if (suite === 'rsa-oaep-3072') {
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

/** Builds an identity (and its self-signed bundle) from existing key pairs: imports and test vectors. */
export async function identityFromKeys(suite: SuiteName, signPriv: CryptoKey, signPub: CryptoKey, decPriv: CryptoKey, encPub: CryptoKey): Promise<Identity> {
  const body = encodeBundleBody(suite, await exportPublicKey(suite, signPub), await exportPublicKey(suite, encPub));
  const selfSig = await signBytes(suite, signPriv, bundleSignatureInput(body));
  const bundle = await parseBundle(encodeBundle(body, selfSig));
  return { suite, bundle, signingPrivateKey: signPriv, decryptionPrivateKey: decPriv };
}

interface IdentityJson {
  sealcastIdentity: 1;
  suite: SuiteName;
  signingKey: string;
  decryptionKey: string;
  bundle: string;
}

/** The identity as JSON text (private keys as PKCS#8, base64). Handle like a private key file. */
export async function exportIdentity(id: Identity): Promise<string> {
  const json: IdentityJson = {
    sealcastIdentity: 1,
    suite: id.suite,
    signingKey: toBase64(new Uint8Array(await crypto.subtle.exportKey('pkcs8', id.signingPrivateKey))),
    decryptionKey: toBase64(new Uint8Array(await crypto.subtle.exportKey('pkcs8', id.decryptionPrivateKey))),
    bundle: toBase64(id.bundle.bytes),
  };
  return JSON.stringify(json, null, 2);
}

/** Reads an identity written by exportIdentity; checks the private keys match the bundle. */
export async function importIdentity(text: string, opts: { extractable?: boolean } = {}): Promise<Identity> {
  let json: IdentityJson;
  try {
    json = JSON.parse(text) as IdentityJson;
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'identity is not valid JSON');
  }
  if (!json || json.sealcastIdentity !== 1) throw new CryptoError('BAD_IDENTITY', 'not a sealcast identity (version 1)');
  const suite = checkSuite(json.suite);
  const extractable = opts.extractable ?? true;
  let signPriv: CryptoKey;
  let decPriv: CryptoKey;
  try {
    const rsa = suite === 'rsa-oaep-3072';
    signPriv = await crypto.subtle.importKey('pkcs8', buf(fromBase64(json.signingKey)), rsa ? RSA_PSS : { name: 'Ed25519' }, extractable, ['sign']);
    decPriv = await crypto.subtle.importKey('pkcs8', buf(fromBase64(json.decryptionKey)), rsa ? RSA_OAEP : { name: 'X25519' }, extractable, rsa ? ['decrypt'] : ['deriveBits']);
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'identity private keys do not import');
  }
  const bundle = await parseBundle(fromBase64(json.bundle)).catch(() => {
    throw new CryptoError('BAD_IDENTITY', 'identity bundle is invalid');
  });
  const id: Identity = { suite, bundle, signingPrivateKey: signPriv, decryptionPrivateKey: decPriv };
  await checkKeysMatch(id);
  return id;
}

/** A signature by the private key must verify under the bundle's public key. */
async function checkKeysMatch(id: Identity): Promise<void> {
  const probe = new Uint8Array(32);
  const sig = await signBytes(id.suite, id.signingPrivateKey, probe);
  if (!(await verifySignature(id.suite, id.bundle.signingKey, probe, sig))) {
    throw new CryptoError('BAD_IDENTITY', 'identity signing key does not match its bundle');
  }
}

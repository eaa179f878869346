// Sealing (sender side): the body is encrypted once under a fresh content key, the key is
// wrapped per recipient (HPKE or RSA-OAEP, by the recipient's suite), and the whole envelope
// is signed. Private-key side: never server-reachable.
import { buf, expectBoolean, expectBytes, expectName, expectTimestamp, sha256 } from './bytes.js';
import { expectBundle, type PublicBundle } from './bundle.js';
import { CryptoError } from './crypto-error.js';
import {
  encodeBinding, encodeUnsigned, envelopeSignatureInput, HPKE_INFO, MAX_PLAINTEXT, MAX_RECIPIENTS,
  type EnvelopeHeader, type RecipientEntry,
} from './envelope-format.js';
import { hpkeSeal } from './hpke.js';
import { expectIdentity, type Identity } from './identity.js';
import { signBytes } from './signing.js';
import { GCM_NONCE_BYTES, suiteParams } from './suites.js';

/** What sealEnvelope needs: the sender, the recipients' names and bundles, the message. */
export interface SealInput {
  sender: Identity;
  senderName: string;
  recipients: { name: string; bundle: PublicBundle }[];
  /** 16 bytes, unique per message (randomId()); the recipient's replay window keys on it. */
  id: Uint8Array;
  /** Milliseconds since the epoch. */
  ts: number;
  toAll: boolean;
  plaintext: Uint8Array;
}

/**
 * Wraps the content key for one recipient under the binding: HPKE base mode (aad = binding)
 * for X25519 keys, RSA-OAEP-SHA256 (label = SHA-256(binding)) for RSA keys.
 */
async function wrapKey(bundle: PublicBundle, binding: Uint8Array, bindingHash: Uint8Array, contentKey: Uint8Array): Promise<Uint8Array> {
  if (bundle.suite === 'rsa-oaep-3072') {
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP', label: buf(bindingHash) }, bundle.encryptionKey, buf(contentKey)));
  }
  return hpkeSeal(bundle.encryptionKey, HPKE_INFO, binding, contentKey);
}

/**
 * Seals a message for the listed recipients and signs it as the sender. Everything public
 * (sender, recipients, id, ts, toAll) is bound into the body's AAD, every key wrap and the
 * signature. Checks inputs (BAD_INPUT): id 16 bytes, 1-1024 recipients with distinct names,
 * plaintext ≤ 64 KiB, names 1-255 UTF-8 bytes.
 */
export async function sealEnvelope(input: SealInput): Promise<Uint8Array> {
  if (!input || typeof input !== 'object') throw new CryptoError('BAD_INPUT', 'input: expected a SealInput object');
  const sender = expectIdentity(input.sender, 'sender');
  expectName(input.senderName, 'senderName');
  const id = expectBytes(input.id, 16, 'id');
  const ts = expectTimestamp(input.ts, 'ts');
  const toAll = expectBoolean(input.toAll, 'toAll');
  const plaintext = expectBytes(input.plaintext, undefined, 'plaintext');
  if (plaintext.byteLength > MAX_PLAINTEXT) {
    throw new CryptoError('BAD_INPUT', `plaintext: expected at most ${MAX_PLAINTEXT} bytes, got length=${plaintext.byteLength}`);
  }
  if (!Array.isArray(input.recipients)) throw new CryptoError('BAD_INPUT', 'recipients: expected an array');
  const n = input.recipients.length;
  if (n === 0 || n > MAX_RECIPIENTS) throw new CryptoError('BAD_INPUT', `recipients: expected 1-${MAX_RECIPIENTS}, got ${n}`);
  const names = new Set<string>();
  input.recipients.forEach((r, i) => {
    if (!r || typeof r !== 'object') throw new CryptoError('BAD_INPUT', `recipients[${i}]: expected { name, bundle }`);
    expectName(r.name, `recipients[${i}].name`);
    expectBundle(r.bundle, `recipients[${i}].bundle`);
    if (names.has(r.name)) throw new CryptoError('BAD_INPUT', `recipients[${i}].name: listed twice`);
    names.add(r.name);
  });

  const suite = sender.suite;
  const header: EnvelopeHeader = {
    suite,
    id,
    ts,
    toAll,
    senderName: input.senderName,
    senderFingerprint: sender.bundle.fingerprint,
    recipients: input.recipients.map((r) => ({ name: r.name, fingerprint: r.bundle.fingerprint })),
  };
  const binding = encodeBinding(header, input.recipients.map((r) => r.bundle.suite));
  const bindingHash = await sha256(binding);
  const contentKey = crypto.getRandomValues(new Uint8Array(suiteParams(suite).contentKeyBytes));
  const nonce = crypto.getRandomValues(new Uint8Array(GCM_NONCE_BYTES));
  let entries: RecipientEntry[];
  let body: Uint8Array;
  try {
    const aesKey = await crypto.subtle.importKey('raw', buf(contentKey), 'AES-GCM', false, ['encrypt']);
    body = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(binding) }, aesKey, buf(plaintext)));
    entries = await Promise.all(
      input.recipients.map(async (r) => {
        let wrappedKey: Uint8Array;
        try {
          wrappedKey = await wrapKey(r.bundle, binding, bindingHash, contentKey);
        } catch {
          throw new CryptoError('BAD_BUNDLE', `cannot encrypt to the key of recipient "${r.name}"`);
        }
        return { name: r.name, fingerprint: r.bundle.fingerprint, suite: r.bundle.suite, wrappedKey };
      }),
    );
  } finally {
    contentKey.fill(0);
  }
  const unsigned = encodeUnsigned(header, entries, nonce, body);
  const signature = await signBytes(suite, sender.signingPrivateKey, envelopeSignatureInput(unsigned));
  const out = new Uint8Array(unsigned.byteLength + 2 + signature.byteLength);
  out.set(unsigned, 0);
  out[unsigned.byteLength] = signature.byteLength >>> 8;
  out[unsigned.byteLength + 1] = signature.byteLength & 0xff;
  out.set(signature, unsigned.byteLength + 2);
  return out;
}

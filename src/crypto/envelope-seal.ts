// Sealing (sender side): body encrypted once under a fresh content key, the key
// wrapped per recipient (HPKE or RSA-OAEP by the recipient's suite), all signed.
import { buf, expectBytes, sha256 } from './bytes.js';
import type { PublicBundle } from './bundle.js';
import { CryptoError } from './crypto-error.js';
import {
  encodeBinding, encodeUnsigned, HPKE_INFO, MAX_PLAINTEXT, MAX_RECIPIENTS, NONCE_BYTES, signatureInput,
  type EnvelopeHeader, type RecipientEntry,
} from './envelope-format.js';
import { hpkeSeal } from './hpke.js';
import type { Identity } from './identity.js';
import { signBytes } from './signing.js';
import type { SuiteName } from './suites.js';

export interface SealInput {
  sender: Identity;
  senderName: string;
  recipients: { name: string; bundle: PublicBundle }[];
  id: Uint8Array;
  ts: number;
  toAll: boolean;
  plaintext: Uint8Array;
}

/** AES-128-GCM for the HPKE suite (as MLS suite 1), AES-256-GCM for the RSA suite. */
export function contentKeyBytes(suite: SuiteName): number {
  return suite === 'rsa-oaep-3072' ? 32 : 16;
}

/** Wraps a content key for one recipient. */
export async function wrapKey(bundle: PublicBundle, binding: Uint8Array, contentKey: Uint8Array): Promise<Uint8Array> {
  if (bundle.suite === 'rsa-oaep-3072') {
    const label = await sha256(binding);
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP', label: buf(label) }, bundle.encryptionKey, buf(contentKey)));
  }
  return hpkeSeal(bundle.encryptionKey, HPKE_INFO, binding, contentKey);
}

export async function sealEnvelope(input: SealInput): Promise<Uint8Array> {
  expectBytes(input.id, 16, 'id');
  expectBytes(input.plaintext, undefined, 'plaintext');
  if (input.plaintext.byteLength > MAX_PLAINTEXT) throw new CryptoError('BAD_INPUT', `plaintext over ${MAX_PLAINTEXT} bytes`);
  if (!Number.isSafeInteger(input.ts) || input.ts < 0) throw new CryptoError('BAD_INPUT', 'ts must be a non-negative integer (ms)');
  const n = input.recipients.length;
  if (n === 0 || n > MAX_RECIPIENTS) throw new CryptoError('BAD_INPUT', `expected 1-${MAX_RECIPIENTS} recipients, got ${n}`);
  const suite = input.sender.suite;
  const header: EnvelopeHeader = {
    suite,
    id: input.id,
    ts: input.ts,
    toAll: input.toAll,
    senderName: input.senderName,
    senderFingerprint: input.sender.bundle.fingerprint,
    recipients: input.recipients.map((r) => ({ name: r.name, fingerprint: r.bundle.fingerprint })),
  };
  const binding = encodeBinding(header, input.recipients.map((r) => r.bundle.suite));
  const contentKey = crypto.getRandomValues(new Uint8Array(contentKeyBytes(suite)));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const aesKey = await crypto.subtle.importKey('raw', buf(contentKey), 'AES-GCM', false, ['encrypt']);
  const body = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(binding) }, aesKey, buf(input.plaintext)),
  );
  const entries: RecipientEntry[] = await Promise.all(
    input.recipients.map(async (r) => ({
      name: r.name,
      fingerprint: r.bundle.fingerprint,
      suite: r.bundle.suite,
      wrappedKey: await wrapKey(r.bundle, binding, contentKey),
    })),
  );
  contentKey.fill(0);
  const unsigned = encodeUnsigned(header, entries, nonce, body);
  const signature = await signBytes(suite, input.sender.signingPrivateKey, signatureInput(unsigned));
  const out = new Uint8Array(unsigned.byteLength + 2 + signature.byteLength);
  out.set(unsigned, 0);
  out[unsigned.byteLength] = signature.byteLength >>> 8;
  out[unsigned.byteLength + 1] = signature.byteLength & 0xff;
  out.set(signature, unsigned.byteLength + 2);
  return out;
}

// Opening (recipient side): signature first, then the sender and recipient bindings, then
// the key unwrap and body decryption. Each failure has its own code, and nothing is
// decrypted before the sender's signature has verified. Private-key side: never server-reachable.
import { buf, constantTimeEqual, expectBytes, expectName, sha256 } from './bytes.js';
import { expectBundle, type PublicBundle } from './bundle.js';
import { CryptoError } from './crypto-error.js';
import { encodeBinding, envelopeSignatureInput, HPKE_INFO, MAX_PLAINTEXT, parseEnvelope } from './envelope-format.js';
import { hpkeOpen } from './hpke.js';
import { expectIdentity, type Identity } from './identity.js';
import { verifySignature } from './signature.js';
import { suiteParams } from './suites.js';

/** What openEnvelope needs: who I am, who the sender claims to be (their pinned bundle), the bytes. */
export interface OpenInput {
  recipient: Identity;
  recipientName: string;
  sender: PublicBundle;
  senderName: string;
  bytes: Uint8Array;
}

/** An opened message. Replay checking is the caller's (ReplayWindow), after opening. */
export interface Opened {
  id: Uint8Array;
  ts: number;
  toAll: boolean;
  plaintext: Uint8Array;
}

/**
 * Verifies and decrypts an envelope. Order: parse (BAD_ENVELOPE); the sender's signature
 * (BAD_SIGNATURE, also when the sender's suite differs from the envelope's); the sender
 * name and fingerprint the envelope names (WRONG_SENDER); this recipient's name and
 * fingerprint in the list (NOT_A_RECIPIENT); then unwrap and decrypt (DECRYPT_FAILED).
 */
export async function openEnvelope(input: OpenInput): Promise<Opened> {
  if (!input || typeof input !== 'object') throw new CryptoError('BAD_INPUT', 'input: expected an OpenInput object');
  const recipient = expectIdentity(input.recipient, 'recipient');
  expectName(input.recipientName, 'recipientName');
  const sender = expectBundle(input.sender, 'sender');
  expectName(input.senderName, 'senderName');
  expectBytes(input.bytes, undefined, 'bytes');

  const env = parseEnvelope(input.bytes);
  const h = env.header;
  if (h.suite !== sender.suite) {
    throw new CryptoError('BAD_SIGNATURE', 'envelope is not signed with the sender key (suite differs)');
  }
  if (!(await verifySignature(h.suite, sender.signingKey, envelopeSignatureInput(env.signed), env.signature))) {
    throw new CryptoError('BAD_SIGNATURE', 'envelope signature does not verify with the sender key');
  }
  if (h.senderName !== input.senderName || !constantTimeEqual(h.senderFingerprint, sender.fingerprint)) {
    throw new CryptoError('WRONG_SENDER', 'envelope names another sender');
  }
  const mine = env.entries.find((e) => e.name === input.recipientName && constantTimeEqual(e.fingerprint, recipient.bundle.fingerprint));
  if (!mine) throw new CryptoError('NOT_A_RECIPIENT', 'envelope is not addressed to this name and key');
  if (mine.suite !== recipient.suite) throw new CryptoError('DECRYPT_FAILED', 'content key is wrapped for another suite');

  const binding = encodeBinding(h, env.entries.map((e) => e.suite));
  let contentKey: Uint8Array | undefined;
  try {
    if (mine.suite === 'rsa-oaep-3072') {
      const label = await sha256(binding);
      contentKey = new Uint8Array(
        await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: buf(label) }, recipient.decryptionPrivateKey, buf(mine.wrappedKey)),
      );
    } else {
      const keyPair = { privateKey: recipient.decryptionPrivateKey, publicKey: recipient.bundle.encryptionKey };
      contentKey = await hpkeOpen(keyPair, HPKE_INFO, binding, mine.wrappedKey);
    }
    if (contentKey.byteLength !== suiteParams(h.suite).contentKeyBytes) throw new Error('content key size');
    const aesKey = await crypto.subtle.importKey('raw', buf(contentKey), 'AES-GCM', false, ['decrypt']);
    const plaintext = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(env.nonce), additionalData: buf(binding) }, aesKey, buf(env.body)),
    );
    if (plaintext.byteLength > MAX_PLAINTEXT) throw new Error('plaintext too large');
    return { id: h.id, ts: h.ts, toAll: h.toAll, plaintext };
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'envelope does not decrypt with this key');
  } finally {
    contentKey?.fill(0);
  }
}

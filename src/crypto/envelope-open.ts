// Opening (recipient side): signature first, then sender and recipient bindings,
// then the key unwrap and body decryption. Each failure has its own code.
import { buf, constantTimeEqual, sha256 } from './bytes.js';
import type { PublicBundle } from './bundle.js';
import { CryptoError } from './crypto-error.js';
import { encodeBinding, HPKE_INFO, MAX_PLAINTEXT, parseEnvelope, signatureInput } from './envelope-format.js';
import { hpkeOpen } from './hpke.js';
import type { Identity } from './identity.js';
import { verifySignature } from './signature.js';

export interface OpenInput {
  recipient: Identity;
  recipientName: string;
  sender: PublicBundle;
  senderName: string;
  bytes: Uint8Array;
}

export interface Opened {
  id: Uint8Array;
  ts: number;
  toAll: boolean;
  plaintext: Uint8Array;
}

export async function openEnvelope(input: OpenInput): Promise<Opened> {
  const env = parseEnvelope(input.bytes);
  const h = env.header;
  if (h.suite !== input.sender.suite) throw new CryptoError('WRONG_SENDER', 'envelope suite differs from the sender key');
  if (!(await verifySignature(h.suite, input.sender.signingKey, signatureInput(env.signed), env.signature))) {
    throw new CryptoError('BAD_SIGNATURE', 'envelope signature does not verify with the sender key');
  }
  if (h.senderName !== input.senderName || !constantTimeEqual(h.senderFingerprint, input.sender.fingerprint)) {
    throw new CryptoError('WRONG_SENDER', 'envelope names another sender');
  }
  const mine = env.entries.find(
    (e) => e.name === input.recipientName && constantTimeEqual(e.fingerprint, input.recipient.bundle.fingerprint),
  );
  if (!mine) throw new CryptoError('NOT_A_RECIPIENT', 'this envelope is not addressed to this key and name');
  if (mine.suite !== input.recipient.suite) throw new CryptoError('NOT_A_RECIPIENT', 'wrapped for another suite');
  const binding = encodeBinding(h, env.entries.map((e) => e.suite));
  let contentKey: Uint8Array;
  try {
    if (mine.suite === 'rsa-oaep-3072') {
      const label = await sha256(binding);
      contentKey = new Uint8Array(
        await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: buf(label) }, input.recipient.decryptionPrivateKey, buf(mine.wrappedKey)),
      );
    } else {
      contentKey = await hpkeOpen(input.recipient.decryptionPrivateKey, HPKE_INFO, binding, mine.wrappedKey);
    }
    if (contentKey.byteLength !== (h.suite === 'rsa-oaep-3072' ? 32 : 16)) throw new Error('content key size');
    const aesKey = await crypto.subtle.importKey('raw', buf(contentKey), 'AES-GCM', false, ['decrypt']);
    contentKey.fill(0);
    const plaintext = new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(env.nonce), additionalData: buf(binding) }, aesKey, buf(env.body)),
    );
    if (plaintext.byteLength > MAX_PLAINTEXT) throw new Error('plaintext too large');
    return { id: h.id, ts: h.ts, toAll: h.toAll, plaintext };
  } catch {
    throw new CryptoError('DECRYPT_FAILED', 'envelope does not decrypt');
  }
}

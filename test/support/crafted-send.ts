import assert from 'node:assert/strict';
import { randomId, sealEnvelope, toHex, type PublicBundle } from '../../src/crypto/index.js';
import type { SealcastClient } from '../../src/client/index.js';

/**
 * Sends `text` from `sender` to `to`, sealed for exactly `recipients` (which need not include
 * `to`'s current key): how a test delivers mail sealed to an old key, or to someone else.
 * Returns the message id (hex) once the server accepted it.
 */
export async function sendSealedFor(
  sender: SealcastClient, to: string, recipients: { name: string; bundle: PublicBundle }[], text: string,
): Promise<string> {
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: sender.identity, senderName: sender.name, recipients, id, ts: Date.now(), toAll: false, plaintext: new TextEncoder().encode(text),
  });
  const reply = await sender.request({ body: { case: 'send', value: { id, to, toAll: false, envelope } } });
  assert.equal(reply.body.case, 'accepted');
  return toHex(id);
}

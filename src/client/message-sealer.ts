import { randomId, sealEnvelope, toHex, type Identity, type PublicBundle } from '../crypto/index.js';
import { canonicalName, LIMITS, type ClientFrameInit } from '../protocol/index.js';
import { ClientError, errorMessage } from './client-error.js';
import type { Roster } from './roster.js';

/** A message sealed and framed, ready to be sent (and resent with the same id). */
export interface SealedMessage {
  /** Message id, 32 hex digits. */
  idHex: string;
  frame: ClientFrameInit;
}

/**
 * Seals `text` on this machine for `to` (a name, or "all"/"*" for every registered peer
 * but us, the body encrypted once) into a Send frame. Refuses before anything is sealed:
 * text over the plaintext limit (TOO_LARGE), ourselves (BAD_RECIPIENT), unknown names
 * (UNKNOWN_PEER), and peers whose key changed and was not accepted (KEY_CHANGED, with
 * `detail.peers`).
 */
export async function sealMessage(input: { sender: Identity; senderName: string; roster: Roster; to: string; text: string }): Promise<SealedMessage> {
  const { sender, senderName, roster, to, text } = input;
  const plaintext = new TextEncoder().encode(text);
  if (plaintext.byteLength > LIMITS.maxPlaintextBytes) {
    throw new ClientError('TOO_LARGE', `the message is ${plaintext.byteLength} bytes; at most ${LIMITS.maxPlaintextBytes} allowed`);
  }
  const toAll = to === 'all' || to === '*';
  let recipients: { name: string; bundle: PublicBundle }[];
  if (toAll) {
    recipients = roster.others();
    if (recipients.length === 0) throw new ClientError('UNKNOWN_PEER', 'nobody else is registered yet');
  } else {
    let name: string;
    try {
      name = canonicalName(to);
    } catch (e) {
      throw new ClientError('NAME_INVALID', errorMessage(e));
    }
    if (name === senderName) throw new ClientError('BAD_RECIPIENT', 'that is you');
    recipients = [{ name, bundle: (await roster.record(name)).bundle }];
  }
  const blocked = roster.blocked(recipients.map((r) => r.name));
  if (blocked.length > 0) {
    throw new ClientError(
      'KEY_CHANGED',
      `the key of ${blocked.join(', ')} changed and was not accepted; refusing to send (compare safety numbers, then accept the new key)`,
      { peers: blocked },
    );
  }
  const id = randomId();
  const envelope = await sealEnvelope({ sender, senderName, recipients, id, ts: Date.now(), toAll, plaintext });
  if (envelope.byteLength > LIMITS.maxEnvelopeBytes) {
    throw new ClientError('TOO_LARGE', `the envelope for ${recipients.length} recipients is ${envelope.byteLength} bytes; at most ${LIMITS.maxEnvelopeBytes}`);
  }
  return { idHex: toHex(id), frame: { body: { case: 'send', value: { id, to: toAll ? '' : recipients[0]!.name, toAll, envelope } } } };
}

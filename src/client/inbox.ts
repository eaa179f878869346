import { isCryptoError, openEnvelope, readEnvelopeHeader, toHex, type Identity, type Opened } from '../crypto/index.js';
import type { Deliver } from '../protocol/index.js';
import { errorMessage, isClientError } from './client-error.js';
import type { ClientOptions, Emit, RejectionCode } from './client-types.js';
import type { PeerRecord, Roster } from './roster.js';
import type { SavedState } from './saved-state.js';

/** What the inbox needs around it: keys, the roster, state, and a way to acknowledge. */
export interface InboxDeps {
  /** Our canonical name. */
  selfName: string;
  /** Every identity a message may be sealed to, the current one first. */
  identities: () => Identity[];
  roster: Roster;
  saved: SavedState;
  /** Tells the server a delivery is done with (it may forget it): opened (''), or rejected with a code. */
  ack: (id: Uint8Array, rejected: RejectionCode | '') => void;
  beforeAck?: ClientOptions['beforeAck'];
  /** True once the client is closing: deliveries not yet handled stay on the server. */
  closing: () => boolean;
  emit: Emit;
}

/**
 * Incoming messages, one delivery at a time: check the envelope names the sender and id
 * the server reports, pick the sender key the envelope names (the roster's, or the
 * still-trusted one when a change is pending), verify and open, suppress duplicates and
 * replays, show it, let the app keep it (beforeAck), then acknowledge. Bad envelopes are
 * rejected and acknowledged; transport trouble leaves the message on the server (no Ack)
 * to come again.
 */
export class Inbox {
  constructor(private readonly deps: InboxDeps) {}

  /** Handles one Deliver; run it in the client's serial queue. */
  async deliver(d: Deliver): Promise<void> {
    const deps = this.deps;
    if (deps.closing()) return;
    const id = toHex(d.id);
    const from = d.from;
    const reject = (code: RejectionCode, reason: string) => {
      deps.emit('rejected', { id, from, code, reason });
      // Acknowledged anyway (a bad envelope must not be redelivered forever), saying why, so
      // that the sender is told it was not read.
      deps.ack(d.id, code);
    };
    let header;
    try {
      header = readEnvelopeHeader(d.envelope);
    } catch (e) {
      return reject(rejectionCode(e), 'the envelope is malformed');
    }
    if (header.senderName !== from) return reject('WRONG_SENDER', 'the envelope names another sender than the server reports');
    if (toHex(header.id) !== id) return reject('BAD_ENVELOPE', 'the envelope id differs from the delivery');
    if (header.toAll !== d.toAll) return reject('BAD_ENVELOPE', 'the envelope and the delivery disagree on to-all');
    if (from === deps.selfName) return reject('WRONG_SENDER', 'a message from ourselves');

    let rec: PeerRecord;
    try {
      rec = await deps.roster.record(from);
    } catch (e) {
      if (isClientError(e, 'UNKNOWN_PEER')) return reject('UNKNOWN_PEER', 'the sender is not registered');
      throw e;
    }
    const named = toHex(header.senderFingerprint);
    let sender = rec.bundle;
    if (toHex(sender.fingerprint) !== named) {
      const trusted = await deps.roster.trustedBundle(from);
      if (trusted && toHex(trusted.fingerprint) === named) sender = trusted;
    }
    const verified = deps.roster.trustedFingerprint(from) === toHex(sender.fingerprint);

    let opened: Opened | undefined;
    let failure: unknown;
    for (const recipient of deps.identities()) {
      try {
        opened = await openEnvelope({ recipient, recipientName: deps.selfName, sender, senderName: from, bytes: d.envelope });
        break;
      } catch (e) {
        if (!isCryptoError(e)) throw e;
        failure = e;
        if (!isCryptoError(e, 'NOT_A_RECIPIENT')) break;
      }
    }
    if (!opened) return reject(rejectionCode(failure), errorMessage(failure ?? 'the envelope does not open'));
    const replay = deps.saved.replay!;
    if (replay.has(sender.fingerprint, opened.id)) {
      // Shown before (our ack was lost, or someone replays it): ack, show nothing.
      deps.ack(d.id, '');
      deps.emit('duplicate', { id, from });
      return;
    }
    try {
      replay.check(sender.fingerprint, opened.id, opened.ts);
    } catch (e) {
      if (isCryptoError(e)) return reject(rejectionCode(e), e.message);
      throw e;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(opened.plaintext);
    } catch {
      return reject('BAD_TEXT', 'the message is not UTF-8 text');
    }
    deps.saved.replayChanged();
    deps.emit('message', {
      id, from, to: d.toAll ? 'all' : deps.selfName, toAll: d.toAll, text, ts: opened.ts, serverTs: Number(d.serverTs),
      verified, senderFingerprint: toHex(sender.fingerprint),
    });
    if (deps.beforeAck) {
      try {
        await deps.beforeAck({ id, from, toAll: d.toAll });
      } catch (e) {
        deps.emit('error', { code: 'STORAGE_FAILED', message: `message ${id} was shown but could not be kept: ${errorMessage(e)}` });
      }
    }
    deps.ack(d.id, '');
  }
}

/** Crypto failures that are rejection codes as they are; anything else is a bad envelope. */
const CRYPTO_REJECTIONS = new Set<string>(['BAD_ENVELOPE', 'BAD_SIGNATURE', 'NOT_A_RECIPIENT', 'DECRYPT_FAILED', 'UNSUPPORTED_SUITE', 'WRONG_SENDER', 'REPLAY']);

function rejectionCode(e: unknown): RejectionCode {
  return isCryptoError(e) && CRYPTO_REJECTIONS.has(e.code) ? (e.code as RejectionCode) : 'BAD_ENVELOPE';
}

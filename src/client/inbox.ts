import { isCryptoError, openEnvelope, readEnvelopeHeader, toHex, type Identity, type Opened } from '../crypto/index.js';
import type { Deliver } from '../protocol/index.js';
import { errorMessage, isClientError } from './client-error.js';
import type { ClientOptions, Emit } from './client-types.js';
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
  /** Tells the server a delivery is done with (it may forget it). */
  ack: (id: Uint8Array) => void;
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
    const ack = () => deps.ack(d.id);
    const reject = (code: string, reason: string) => {
      deps.emit('rejected', { id, from, code, reason });
      // Acknowledged anyway: a bad envelope must not be redelivered forever.
      ack();
    };
    let header;
    try {
      header = readEnvelopeHeader(d.envelope);
    } catch (e) {
      return reject(isCryptoError(e) ? e.code : 'BAD_ENVELOPE', 'the envelope is malformed');
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
    if (!opened) {
      const e = failure as { code?: string; message?: string };
      return reject(e.code ?? 'BAD_ENVELOPE', e.message ?? 'the envelope does not open');
    }
    const replay = deps.saved.replay!;
    if (replay.has(sender.fingerprint, opened.id)) {
      // Shown before (our ack was lost, or someone replays it): ack, show nothing.
      ack();
      deps.emit('duplicate', { id, from });
      return;
    }
    try {
      replay.check(sender.fingerprint, opened.id, opened.ts);
    } catch (e) {
      if (isCryptoError(e)) return reject(e.code, e.message);
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
    ack();
  }
}

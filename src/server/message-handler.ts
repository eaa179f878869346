import { isCryptoError, readEnvelopeHeader } from '../crypto/verify.js';
import { canonicalName, type Ack, type Send } from '../protocol/index.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';
import { encodeAcceptedFrame, encodeDeliveredFrame, encodeDeliverFrame } from './message-frames.js';
import { ServerError } from './server-error.js';

/** Stored messages sent to a client per login before it must ack some. */
const BACKLOG_PAGE = 1000;

function resolveRecipients(hub: Hub, sender: string, send: Send): string[] {
  if (send.toAll) {
    return hub.identities.list().filter((r) => r.name !== sender && !r.reset).map((r) => r.name);
  }
  let to: string;
  try {
    to = canonicalName(send.to);
  } catch {
    throw new ServerError('UNKNOWN_PEER', 'no such user', send.id);
  }
  const rec = hub.identities.get(to);
  if (!rec || rec.reset) throw new ServerError('UNKNOWN_PEER', `no user "${to}" is registered`, send.id);
  return [to];
}

/**
 * Routes one envelope. The server reads only the envelope's public header, to check
 * it names this sender and this id; the content stays ciphertext. Online recipients get it
 * at once; Accepted waits until it is stored for every recipient that has not acknowledged
 * it yet, so an accepted message survives a crash.
 */
export function handleSend(hub: Hub, conn: ClientConnection, req: number, send: Send): void {
  const sender = conn.name!;
  if (!conn.messages.take()) {
    hub.metrics.inc('dropped_by_limit_total');
    throw new ServerError('RATE_LIMITED', 'too many messages per second; slow down', send.id);
  }
  let header;
  try {
    header = readEnvelopeHeader(send.envelope);
  } catch (e) {
    if (!isCryptoError(e)) throw e;
    throw new ServerError('BAD_FRAME', 'envelope header is malformed', send.id);
  }
  if (header.senderName !== sender) throw new ServerError('BAD_FRAME', 'envelope names another sender', send.id);
  if (!header.id.every((b, i) => b === send.id[i])) throw new ServerError('BAD_FRAME', 'envelope id differs from the frame id', send.id);
  if (header.toAll !== send.toAll) throw new ServerError('BAD_FRAME', 'envelope and frame disagree on to-all', send.id);

  const recipients = resolveRecipients(hub, sender, send);
  const limit = hub.config.limits.maxStoredBytesPerRecipient;
  const full = recipients.find((r) => hub.mailbox.bytesFor(r) + send.envelope.byteLength > limit);
  if (full !== undefined) throw new ServerError('MAILBOX_FULL', `the mailbox of "${full}" is full`, send.id);

  const now = Date.now();
  const input = { sender, id: send.id, toAll: send.toAll, envelope: send.envelope, recipients, now, ttlMs: hub.config.limits.mailboxTtlMs };
  let deliveredNow = 0;
  // Accepted goes out once the message is safe (see WriteBehindMailbox), then any receipts
  // that came first, so a sender never hears "delivered" about a message it has no id for.
  const { duplicate } = hub.mailbox.submit(input, (settled) => {
    if (!settled.ok) {
      conn.sendError(req, 'INTERNAL', 'the server could not store the message; send it again', send.id);
      return;
    }
    conn.sendEncoded(encodeAcceptedFrame(req, send.id, deliveredNow, recipients.length - deliveredNow), 'turn');
    for (const r of settled.ackedBy) conn.sendEncoded(encodeDeliveredFrame(send.id, r.by, r.rejected), 'turn');
  });
  if (duplicate) return;
  hub.metrics.inc('messages_routed_total');
  hub.metrics.inc('messages_stored_total', recipients.length);
  // Roster news still being collected goes first: a recipient hears of a new sender (or its
  // new key) before the sender's message.
  hub.roster.flush();
  // The same Deliver frame goes to every recipient: encode it once.
  const frame = encodeDeliverFrame({ id: send.id, from: sender, toAll: send.toAll, envelope: send.envelope, serverTs: now });
  for (const r of recipients) {
    if (hub.presence.get(r)?.sendEncoded(frame, 'turn')) deliveredNow++;
  }
  hub.metrics.inc('messages_delivered_total', deliveredNow);
}

/**
 * The recipient is done with the message (opened it, or rejected it with a code the sender is
 * told): forget its copy and tell the sender (now, or with Accepted).
 */
export function handleAck(hub: Hub, conn: ClientConnection, _req: number, ack: Ack): void {
  const removed = hub.mailbox.ack(conn.name!, ack.id, ack.rejected);
  if (!removed) return;
  hub.metrics.inc('messages_acked_total');
  if (removed.inSettle) return;
  hub.presence.get(removed.sender)?.sendEncoded(encodeDeliveredFrame(ack.id, conn.name!, ack.rejected), 'turn');
}

/** The sender's messages that the server still holds, per recipient. */
export function handlePending(hub: Hub, conn: ClientConnection, req: number): void {
  const items = hub.mailbox.pendingFrom(conn.name!).map((p) => ({
    id: p.id,
    to: p.to,
    storedAt: BigInt(p.storedAt),
    expiresAt: BigInt(p.expiresAt),
  }));
  conn.send({ req, body: { case: 'pending', value: { items } } });
}

/** Sends what was stored for this client while it was away, oldest first. */
export function deliverBacklog(hub: Hub, conn: ClientConnection): void {
  const items = hub.mailbox.forRecipient(conn.name!, 0, BACKLOG_PAGE);
  for (const m of items) {
    const sent = conn.sendEncoded(encodeDeliverFrame({ id: m.id, from: m.sender, toAll: m.toAll, envelope: m.envelope, serverTs: m.storedAt }), 'turn');
    if (!sent) return;
    hub.metrics.inc('messages_delivered_total');
  }
}

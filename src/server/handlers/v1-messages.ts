import { isCryptoError, readEnvelopeHeader } from '../../crypto/verify.js';
import { canonicalName, type Send } from '../../protocol/index.js';
import { QUEUE_KIND, type DeviceRecord } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { encodeAcceptedFrame, encodeDeliveredFrame } from '../message-frames.js';
import { ServerError } from '../server-error.js';
import { checkQuotas, deliver } from './deliver.js';

/** The accounts a v1 envelope goes to: the one named, or (to all) every registered account the envelope lists. */
function recipients(ctx: ServerContext, sender: string, send: Send, listed: readonly string[]): string[] {
  if (send.toAll) {
    const names = new Set(listed.filter((n) => n !== sender && ctx.registry.get(n)));
    return [...names];
  }
  let to: string;
  try {
    to = canonicalName(send.to);
  } catch {
    throw new ServerError('UNKNOWN_PEER', 'no such user', send.id);
  }
  if (!ctx.registry.get(to)) throw new ServerError('UNKNOWN_PEER', `no user "${to}" is registered`, send.id);
  return [to];
}

/**
 * Routes one v1 envelope (from a v1 client, or from a v2 client to a v1-only account). The server
 * reads only the envelope's public header, to check it names this sender and this id; the content
 * stays ciphertext. Every device of each recipient account gets it (v2 devices hold the identity
 * key it is sealed to). Accepted waits until it is stored for every device that has not
 * acknowledged it yet, so an accepted message survives a crash.
 */
export function handleSend(ctx: ServerContext, conn: ClientConnection, req: number, send: Send): void {
  const session = conn.session!;
  const sender = session.account;
  if (!conn.messages.take()) {
    ctx.metrics.inc('dropped_by_limit_total');
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

  const accounts = recipients(ctx, sender, send, header.recipients.map((r) => r.name));
  const devices: DeviceRecord[] = accounts.flatMap((a) => ctx.registry.devicesOf(a));
  const clash = devices.find((d) => ctx.mailbox.holdsIdFromOther(d.id, send.id, sender));
  if (clash) throw new ServerError('DUPLICATE_ID', `"${clash.account}" holds another sender's message with this id; choose a new id`, send.id);
  checkQuotas(ctx, sender, devices, send.envelope.byteLength, send.id);

  const accountOf = new Map(devices.map((d) => [d.idHex, d.account]));
  let deliveredNow = 0;
  const now = Date.now();
  const { duplicate, deliveredNow: n } = deliver(ctx, {
    sender, senderDevice: session.protocol === 2 ? session.device.id : undefined, id: send.id, kind: QUEUE_KIND.envelope,
    toAll: send.toAll, conversation: undefined, meta: undefined, payload: send.envelope, now, ttlMs: ctx.config.limits.mailboxTtlMs,
    devices: devices.map((d) => d.id),
  }, (settled) => {
    if (!settled.ok) {
      conn.sendError(req, 'INTERNAL', 'the server could not store the message; send it again', send.id);
      return;
    }
    // Accepted first, then receipts of acks that came before it: a sender never hears
    // "delivered" about a message it has no id for.
    conn.sendEncoded(encodeAcceptedFrame(req, send.id, deliveredNow, devices.length - deliveredNow), 'turn');
    for (const r of settled.ackedBy) {
      const by = accountOf.get(r.device);
      if (by) conn.sendEncoded(encodeDeliveredFrame(send.id, by, r.rejected), 'turn');
    }
  });
  deliveredNow = n;
  if (duplicate) return;
  ctx.metrics.inc('messages_routed_total');
  ctx.metrics.inc('messages_stored_total', devices.length);
}

/** The sender's messages that the server still holds, per recipient account. */
export function handlePending(ctx: ServerContext, conn: ClientConnection, req: number): void {
  const items = ctx.mailbox.heldFrom(conn.session!.account).map((p) => ({
    id: p.id, to: p.account, storedAt: BigInt(p.storedAt), expiresAt: BigInt(p.expiresAt),
  }));
  conn.send({ req, body: { case: 'pending', value: { items } } });
}

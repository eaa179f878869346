import { CONVERSATION_KIND, QUEUE_KIND, type DeviceRecord } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import type { MailboxInput, Settled } from '../mailbox/device-mailbox.js';
import type { AckedItem } from '../mailbox/queue-cursor.js';
import { encodeDeliveredFrame } from '../message-frames.js';
import { ServerError } from '../server-error.js';

/**
 * Checks the quotas a message must fit before it is stored: the disk's free-space watermark, each
 * device's queue bytes, what the sender already makes the server keep (charged per device copy),
 * and the server's total.
 */
export function checkQuotas(ctx: ServerContext, sender: string, devices: readonly DeviceRecord[], bytes: number, refId: Uint8Array): void {
  const limits = ctx.config.limits;
  // Refused before it is accepted, never dropped after: what was acknowledged stays, and acks (deletes) still work.
  const low = ctx.diskLow();
  if (low) throw new ServerError('QUOTA_EXCEEDED', 'the server is short of disk space and stores no new messages now; try again later', refId);
  const full = devices.find((d) => ctx.mailbox.bytesFor(d.idHex) + bytes > limits.maxStoredBytesPerRecipient);
  if (full) throw new ServerError('MAILBOX_FULL', `the mailbox of "${full.account}" is full`, refId);
  const charge = bytes * devices.length;
  if (ctx.mailbox.bytesFrom(sender) + charge > limits.maxStoredBytesPerSender) {
    throw new ServerError('QUOTA_EXCEEDED', 'you have too much stored on the server for recipients who have not read it yet', refId);
  }
  if (ctx.mailbox.totalBytes() + charge > limits.maxStoredBytesTotal) {
    throw new ServerError('QUOTA_EXCEEDED', 'the server\'s storage quota is used up; try again later', refId);
  }
}

/**
 * Stores a message for devices and hands each copy to its device's receiving session now.
 * Returns how many copies went out at once and whether it was a resend of a held message.
 */
export function deliver(ctx: ServerContext, input: MailboxInput, onSettled: (s: Settled) => void): { duplicate: boolean; deliveredNow: number } {
  const { duplicate, items } = ctx.mailbox.submit(input, onSettled);
  if (duplicate) return { duplicate, deliveredNow: 0 };
  // Presence news still being collected goes first: a recipient hears of a sender before its message.
  ctx.presence.flush();
  let deliveredNow = 0;
  for (const { deviceHex, item } of items) if (ctx.router.offer(deviceHex, item)) deliveredNow++;
  ctx.metrics.inc('messages_delivered_total', deliveredNow);
  return { duplicate, deliveredNow };
}

/**
 * Receipts: the senders of what a device acknowledged hear "delivered" (or the device's rejection
 * code) for v1 envelopes and for messages of direct conversations (a room's sender is not told of
 * every member's device).
 */
export function tellSenders(ctx: ServerContext, by: ClientConnection, acked: readonly AckedItem[]): void {
  for (const a of acked) {
    ctx.metrics.inc('messages_acked_total');
    if (a.inSettle || a.sender === '' || a.sender === by.session!.account) continue;
    if (a.kind !== QUEUE_KIND.envelope) {
      if (a.kind !== QUEUE_KIND.mls || !a.conversation) continue;
      if (ctx.conversations.get(a.conversation)?.kind !== CONVERSATION_KIND.direct) continue;
    }
    const frame = encodeDeliveredFrame(a.id, by.session!.account, a.rejected);
    for (const conn of ctx.router.receiversOf(a.sender)) conn.sendEncoded(frame, 'turn');
  }
}

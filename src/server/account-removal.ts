import { CLOSE_CODES } from '../protocol/index.js';
import type { ServerContext } from './context.js';

/**
 * Removes an account from the running server: its sessions end, the registry deletes it (the store
 * cascades to devices, their queues, key packages and memberships), and every in-memory view of
 * those rows follows, so nothing still counts what is gone: the mailbox's waiting copies and its
 * per-device and per-sender byte counts (the quotas), and the cached members of its conversations.
 * Returns false for a name that is not registered.
 */
export function removeAccount(ctx: ServerContext, name: string): boolean {
  const account = ctx.registry.get(name);
  if (!account) return false;
  for (const d of account.devices) {
    for (const conn of ctx.router.sessionsOfDevice(d.idHex)) conn.close(CLOSE_CODES.DEVICE_REMOVED, 'this account was removed');
  }
  const conversations = ctx.conversations.conversationsOf(name);
  // Copies waiting in memory for its devices go before the rows do (forgetDevice also writes the rest).
  const held = account.devices.some((d) => ctx.mailbox.bytesFor(d.idHex) > 0);
  if (held) for (const d of account.devices) ctx.mailbox.forgetDevice(d.id);
  const removed = ctx.registry.remove(name);
  if (held) ctx.mailbox.recount();
  ctx.conversations.refresh(conversations);
  return removed;
}

import type { AccountRecord } from '../store/index.js';
import { removeAccount } from './account-removal.js';
import type { ServerContext } from './context.js';

/** Candidates looked at per sweep at most: one sweep stays short on the event loop; the next takes the rest. */
const SWEEP_BATCH = 500;

/** How often the sweep runs for a given expiry: hourly in production, often enough for a test's seconds. */
export function unusedNameSweepMs(unusedNameMs: number): number {
  return Math.min(3600_000, Math.max(1000, Math.floor(unusedNameMs / 4)));
}

/**
 * Why a candidate is kept although it never logged in again: it is online now (its registration
 * session may last for days), something is held for it, it makes the server hold something for
 * others, or it is a member of a conversation (it was invited, or its device has a leaf in an MLS
 * group). A v1 account's Everyone membership does not count: v1 logins join it without a leaf.
 * Any of these means the name is in use; removing it would lose mail or break a conversation.
 */
function inUse(ctx: ServerContext, a: AccountRecord): boolean {
  if (ctx.router.isOnline(a.name)) return true;
  if (a.devices.some((d) => ctx.router.sessionsOfDevice(d.idHex).length > 0 || ctx.mailbox.bytesFor(d.idHex) > 0)) return true;
  if (ctx.mailbox.bytesFrom(a.name) > 0) return true;
  const everyone = ctx.conversations.everyone()?.idHex;
  const v1Only = ctx.registry.isV1Only(a);
  return ctx.conversations.conversationsOf(a.name).some((id) => !v1Only || Buffer.from(id).toString('hex') !== everyone);
}

/**
 * Issue 12 item 7: a name registered and never used again (no second login) for `maxAgeMs` is
 * freed, so a typo in --name does not hold a name forever. Removes through the same path as an
 * operator's removal would in the server (account-removal.ts), logs and counts each one.
 */
export class UnusedNameSweep {
  /** Where the last sweep stopped (by name): candidates kept as in use do not hide the ones after them. */
  private after = '';

  constructor(
    private readonly ctx: ServerContext,
    private readonly maxAgeMs: number,
  ) {}

  /** One sweep of at most SWEEP_BATCH candidates; returns the names freed. */
  run(now: number): string[] {
    if (this.maxAgeMs <= 0) return [];
    const candidates = this.ctx.registry.unusedBefore(now - this.maxAgeMs, this.after, SWEEP_BATCH);
    this.after = candidates.length < SWEEP_BATCH ? '' : candidates[candidates.length - 1]!;
    const freed: string[] = [];
    for (const name of candidates) {
      const account = this.ctx.registry.get(name);
      if (!account || inUse(this.ctx, account)) continue;
      if (!removeAccount(this.ctx, name)) continue;
      freed.push(name);
      this.ctx.metrics.inc('unused_names_expired_total');
      this.ctx.log.info({ user: name, registeredAt: new Date(account.createdAt).toISOString() }, 'unused name expired');
    }
    return freed;
  }
}

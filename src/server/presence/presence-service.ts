import { guarded, stderrSink, type TimerErrorSink } from '../timer-guard.js';
import { create, toBinary } from '@bufbuild/protobuf';
import { RosterUpdate_Event, ServerFrameSchema, type AccountSchema } from '../../protocol/index.js';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { AccountRecord, ConversationStore } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { Registry } from '../registry/registry.js';
import type { RosterBroadcast } from '../roster-broadcast.js';
import type { Router } from '../router/router.js';

/** Presence changes per PresenceUpdates frame at most. */
const MAX_PER_FRAME = 500;

export type AccountInit = MessageInitShape<typeof AccountSchema>;

/** An account as the directory shows it. */
export function accountFrame(registry: Registry, a: AccountRecord): AccountInit {
  return { name: a.name, bundle: a.bundle, deviceList: a.deviceList ?? new Uint8Array(), v1Only: registry.isV1Only(a) };
}

/**
 * Who hears of whom (issue 11 §5): a v2 device hears presence and key changes only for accounts it
 * shares a conversation with, so a login costs the same whatever the size of the server. Members of
 * Everyone also hear of each other, which keeps the original broadcast (v1 clients hear it as their
 * roster): that part grows with Everyone and is batched like v1's roster (one frame per window).
 */
export class PresenceService {
  private readonly pending = new Map<ClientConnection, { name: string; online: boolean }[]>();
  private everyone: { name: string; online: boolean }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: {
      router: Router;
      conversations: ConversationStore;
      registry: Registry;
      roster: RosterBroadcast;
      batchMs: () => number;
      /** A failed batched send (it runs in a timer, where a throw would end the process). */
      onTimerError?: TimerErrorSink;
    },
  ) {}

  private isEveryoneMember(account: string): boolean {
    return this.deps.conversations.everyone()?.members.has(account) ?? false;
  }

  /** v2 receiving sessions of the accounts sharing a (non-Everyone) conversation with `account`. */
  private contactSessions(account: string): ClientConnection[] {
    const out: ClientConnection[] = [];
    for (const c of this.deps.conversations.contactsOf(account)) {
      for (const conn of this.deps.router.receiversOf(c)) if (conn.session?.protocol === 2) out.push(conn);
    }
    return out;
  }

  /** An account came online (its first receiving session) or went offline (its last one closed). */
  changed(account: string, online: boolean): void {
    const rec = this.deps.registry.get(account);
    if (!rec) return;
    if (this.isEveryoneMember(account)) {
      this.deps.roster.add({
        event: online ? RosterUpdate_Event.JOINED : RosterUpdate_Event.LEFT,
        peer: { name: account, bundle: rec.bundle, online },
      });
      this.everyone.push({ name: account, online });
    }
    for (const conn of this.contactSessions(account)) {
      const list = this.pending.get(conn);
      if (list) list.push({ name: account, online });
      else this.pending.set(conn, [{ name: account, online }]);
    }
    this.timer ??= setTimeout(guarded(this.deps.onTimerError ?? stderrSink, () => this.flush()), this.deps.batchMs());
  }

  /** An account's identity or device list changed: its contacts, its own devices and (v1) Everyone hear. */
  accountChanged(account: string, keyChanged: boolean): void {
    const rec = this.deps.registry.get(account);
    if (!rec) return;
    if (keyChanged && this.isEveryoneMember(account)) {
      this.deps.roster.add({ event: RosterUpdate_Event.KEY_CHANGED, peer: { name: account, bundle: rec.bundle, online: this.deps.router.isOnline(account) } });
    }
    const frame = toBinary(ServerFrameSchema, create(ServerFrameSchema, {
      body: { case: 'accountChanged', value: { account: accountFrame(this.deps.registry, rec) } },
    }));
    const to = new Set([...this.contactSessions(account), ...this.deps.router.receiversOf(account).filter((c) => c.session?.protocol === 2)]);
    for (const conn of to) conn.sendEncoded(frame, 'turn');
  }

  /** What a v2 device hears right after its Welcome: which of its contacts are online. */
  initial(conn: ClientConnection): void {
    const account = conn.session!.account;
    const online = this.deps.conversations.contactsOf(account).filter((c) => this.deps.router.isOnline(c));
    for (let i = 0; i < online.length; i += MAX_PER_FRAME) {
      const updates = online.slice(i, i + MAX_PER_FRAME).map((name) => ({ name, online: true }));
      conn.sendEncoded(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: 'presenceUpdates', value: { updates } } })), 'spread');
    }
  }

  /** Sends what is pending now: before a message is routed, so news of its sender comes first. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.deps.roster.flush();
    for (const [conn, updates] of this.pending) {
      for (let i = 0; i < updates.length; i += MAX_PER_FRAME) {
        const value = { updates: updates.slice(i, i + MAX_PER_FRAME) };
        conn.sendEncoded(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: 'presenceUpdates', value } })), 'turn');
      }
    }
    this.pending.clear();
    if (this.everyone.length > 0) {
      const updates = this.everyone;
      this.everyone = [];
      const frames: Uint8Array[] = [];
      for (let i = 0; i < updates.length; i += MAX_PER_FRAME) {
        const value = { updates: updates.slice(i, i + MAX_PER_FRAME) };
        frames.push(toBinary(ServerFrameSchema, create(ServerFrameSchema, { body: { case: 'presenceUpdates', value } })));
      }
      const members = this.deps.conversations.everyone()?.members;
      for (const conn of this.deps.router.receivers()) {
        if (conn.session?.protocol !== 2 || !members?.has(conn.session.account)) continue;
        for (const f of frames) if (!conn.sendEncoded(f, 'spread')) break;
      }
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    this.everyone = [];
  }
}

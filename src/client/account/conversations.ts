// Conversations of a v2 device (protocol v2 §Conversations): direct ones, rooms and Everyone, each
// an MLS group through the adapter (crypto/mls). Every change of a group's state, ours or the
// server's, runs in the client's serial queue, so the queue's items and our own commits and sends
// never interleave on one state. A state is written before anything that depends on it leaves
// (a commit's new state once accepted, an encrypted message's ratchet before it is sent).
import { randomId, toHex } from '../../crypto/index.js';
import { isMlsError, type MlsClient, type MlsDevice, type MlsGroupState, type MlsMember } from '../../crypto/mls/index.js';
import {
  ConversationKind, ConversationNotice_Kind,
  type ClientFrameInit, type Conversation, type ConversationMessage, type ConversationNotice, type ConversationWelcome, type ServerFrame,
} from '../../protocol/index.js';
import { ClientError, isClientError } from '../client-error.js';
import type { SerialQueue } from '../serial-queue.js';
import type { DeviceStore } from './device-store.js';
import type { Directory } from './directory.js';
import { idHex, type ConversationMeta, type Group, type GroupStore } from './group-store.js';
import { decodeText, encodeText } from './message-content.js';

/** What the user is told about conversations (the facade turns these into its events). */
export interface ConversationEvents {
  message(e: { conversation: ConversationMeta; id: string; from: string; device: string; text: string; ts: number; serverTs: number }): void;
  changed(e: { conversation: ConversationMeta; added: string[]; removed: string[]; by: string }): void;
  joined(e: { conversation: ConversationMeta; how: 'welcome' | 'external' | 'created' }): void;
  /** This device is out of the conversation (removed, or left). */
  left(e: { conversation: ConversationMeta; reason: string }): void;
  /** A message that could not be read (the conversation moved on without us, a bad message). */
  unreadable(e: { conversation: string; from: string; reason: string }): void;
  /** We rejoined by external commit: what was sent meanwhile is not readable. */
  rejoined(e: { conversation: ConversationMeta; reason: string }): void;
}

export interface ConversationDeps {
  selfName: string;
  device: MlsDevice;
  mls: MlsClient;
  groups: GroupStore;
  directory: Directory;
  deviceStore: DeviceStore;
  /** A request on the logged-in connection; an Error answer rejects with its wire name. */
  request: (frame: ClientFrameInit) => Promise<ServerFrame>;
  queue: SerialQueue;
  events: ConversationEvents;
}

/** Attempts of a commit that keeps losing its epoch to others before giving up. */
const COMMIT_ATTEMPTS = 6;

/** How much later each further member (by leaf order) checks that a leaver's leaves were removed. */
const DEPARTED_REMOVAL_STEP_MS = 3_000;

const KINDS: Record<number, ConversationMeta['kind']> = {
  [ConversationKind.DIRECT]: 'direct',
  [ConversationKind.ROOM]: 'room',
  [ConversationKind.EVERYONE]: 'everyone',
};

function metaOf(c: Conversation): ConversationMeta {
  return { id: toHex(c.conversationId), kind: KINDS[c.kind] ?? 'room', title: c.title, peer: c.peer, creator: c.creator, admin: c.admin };
}

function fromHexId(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A commit ready to hand the delivery service. */
interface BuiltCommit {
  commit: Uint8Array;
  groupInfo: Uint8Array;
  state: MlsGroupState;
  welcome?: Uint8Array;
  welcomeDevices?: Uint8Array[];
  addAccounts?: string[];
  removeAccounts?: string[];
}

/** The conversations of this device and every operation on them. */
export class Conversations {
  constructor(private readonly deps: ConversationDeps) {}

  /** Every conversation this device is in. */
  list(): ConversationMeta[] {
    return this.deps.groups.all().map((g) => g.meta).sort((a, b) => (a.kind === b.kind ? a.title.localeCompare(b.title) : a.kind.localeCompare(b.kind)));
  }

  /** A conversation by id (hex), by room title ("#title"), or a direct one by the peer's name. */
  find(ref: string): Group | undefined {
    const all = this.deps.groups.all();
    if (/^[0-9a-f]{32}$/.test(ref)) return this.deps.groups.get(ref);
    if (ref.startsWith('#')) {
      const t = ref.slice(1).toLowerCase();
      return all.find((g) => g.meta.kind === 'room' && g.meta.title.toLowerCase() === t) ?? all.find((g) => g.meta.kind === 'everyone' && t === 'everyone');
    }
    return all.find((g) => g.meta.kind === 'direct' && g.meta.peer === ref.toLowerCase());
  }

  /** The members of a conversation, by account, with their devices' leaves (from the MLS tree itself). */
  members(idHexValue: string): Map<string, MlsMember[]> {
    const g = this.require(idHexValue);
    const out = new Map<string, MlsMember[]>();
    for (const m of this.deps.mls.members(g.state)) out.set(m.name, [...(out.get(m.name) ?? []), m]);
    return out;
  }

  private require(idHexValue: string): Group {
    const g = this.deps.groups.get(idHexValue);
    if (!g) throw new ClientError('UNKNOWN_CONVERSATION', 'this device is not in that conversation');
    return g;
  }

  // ---------------------------------------------------------------- creating

  /** A new room with `members`; this device administers it. Our other devices come in too. */
  async createRoom(title: string, members: readonly string[]): Promise<ConversationMeta> {
    const id = randomId();
    const reply = await this.deps.request({ body: { case: 'conversationCreate', value: { conversationId: id, kind: ConversationKind.ROOM, title } } });
    if (reply.body.case !== 'conversation') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
    const meta = metaOf(reply.body.value);
    await this.deps.queue.exclusive(async () => {
      const state = await this.deps.mls.createGroup(id, this.deps.device);
      await this.deps.groups.put({ meta, state });
    });
    this.deps.events.joined({ conversation: meta, how: 'created' });
    const others = members.map((m) => m.toLowerCase()).filter((m) => m !== this.deps.selfName);
    await this.add(meta.id, others, true);
    return this.require(meta.id).meta;
  }

  /**
   * The direct conversation with `peer`: the one we are in, else a new one (or, when the peer
   * made one first, the one it made, which we wait to be welcomed to).
   */
  async direct(peer: string): Promise<Group> {
    const name = peer.toLowerCase();
    const have = this.find(name);
    if (have) return have;
    const id = randomId();
    let reply: ServerFrame;
    try {
      reply = await this.deps.request({ body: { case: 'conversationCreate', value: { conversationId: id, kind: ConversationKind.DIRECT, peer: name } } });
    } catch (e) {
      if (!isClientError(e, 'CONVERSATION_EXISTS')) throw e;
      // The peer made it first: its Welcome is on its way (or we join by external commit).
      const existing = (e.detail as { refId?: Uint8Array } | undefined)?.refId;
      return this.awaitDirect(name, existing);
    }
    if (reply.body.case !== 'conversation') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
    const meta = metaOf(reply.body.value);
    await this.deps.queue.exclusive(async () => {
      await this.deps.groups.put({ meta, state: await this.deps.mls.createGroup(id, this.deps.device) });
    });
    this.deps.events.joined({ conversation: meta, how: 'created' });
    await this.add(meta.id, [name], true);
    return this.require(meta.id);
  }

  private async awaitDirect(peer: string, id: Uint8Array | undefined): Promise<Group> {
    for (let i = 0; i < 50; i++) {
      const g = this.find(peer);
      if (g) return g;
      await wait(100);
    }
    if (id) {
      const g = await this.joinExternal(toHex(id), 'the conversation was made by the peer before this device could be added');
      if (g) return g;
    }
    throw new ClientError('NOT_READY', `the direct conversation with ${peer} exists, but this device was not added to it yet`);
  }

  /** Joins Everyone (the server's room of every account), starting its MLS group if nobody has yet. */
  async joinEveryone(everyone: Conversation): Promise<ConversationMeta> {
    const meta = metaOf(everyone);
    if (this.deps.groups.get(meta.id)) return meta;
    const id = everyone.conversationId;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const info = await this.deps.request({ body: { case: 'groupInfoRequest', value: { conversationId: id } } }).catch((e: unknown) => {
        if (isClientError(e, 'NOT_READY')) return undefined;
        throw e;
      });
      const outcome = await this.deps.queue.exclusive(async () => {
        let built: BuiltCommit;
        if (!info || info.body.case !== 'groupInfo') {
          // Nobody started the group: epoch 0 is ours, and a first commit makes it joinable.
          const created = await this.deps.mls.createGroup(id, this.deps.device);
          built = await this.deps.mls.selfUpdate(created);
        } else {
          const joined = await this.deps.mls.joinExternal(info.body.value.groupInfo, this.deps.device);
          built = { commit: joined.commit, state: joined.state, groupInfo: await this.deps.mls.groupInfo(joined.state) };
        }
        return this.submit(meta, { ...built, addAccounts: [this.deps.selfName] });
      });
      if (outcome === 'accepted') {
        this.deps.events.joined({ conversation: meta, how: info ? 'external' : 'created' });
        return meta;
      }
      await wait(50 * (attempt + 1));
    }
    throw new ClientError('EPOCH_CONFLICT', 'Everyone kept moving while this device joined; try again');
  }

  // ---------------------------------------------------------------- membership

  /**
   * Adds accounts (all their devices), and with `ownDevices` our own other devices too. Key
   * packages are claimed from the server; each goes through the authentication hook (its key
   * must be a device in the account's signed list) when the adapter adds it.
   */
  async add(idHexValue: string, accounts: readonly string[], ownDevices = false): Promise<void> {
    const names = [...new Set(accounts.map((a) => a.toLowerCase()))];
    const claimFor = ownDevices ? [...names, this.deps.selfName] : names;
    if (claimFor.length === 0) return;
    await this.commit(idHexValue, async (g) => {
      const inGroup = new Set(this.deps.mls.members(g.state).map((m) => toHex(m.deviceId)));
      const reply = await this.deps.request({ body: { case: 'keyPackageClaim', value: { names: claimFor } } });
      if (reply.body.case !== 'claimedKeyPackages') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
      const { packages, unknown } = reply.body.value;
      if (unknown.length > 0) throw new ClientError('UNKNOWN_PEER', `no user ${unknown.map((u) => `"${u}"`).join(', ')} is registered`);
      const fresh = packages.filter((p) => !inGroup.has(toHex(p.deviceId)));
      const missing = names.filter((n) => !fresh.some((p) => p.name === n) && !this.deps.mls.members(g.state).some((m) => m.name === n));
      if (missing.length > 0) throw new ClientError('NO_KEY_PACKAGE', `${missing.join(', ')} cannot be added now: no device of theirs has a key package on the server`);
      if (fresh.length === 0) return undefined;
      const added = await this.deps.mls.addMembers(g.state, fresh.map((p) => p.keyPackage));
      return {
        ...added, welcomeDevices: fresh.map((p) => p.deviceId),
        addAccounts: names.filter((n) => fresh.some((p) => p.name === n)),
      };
    });
  }

  /** Removes accounts (every leaf of theirs). Administrators only, in rooms. */
  async remove(idHexValue: string, accounts: readonly string[]): Promise<void> {
    const names = new Set(accounts.map((a) => a.toLowerCase()));
    await this.commit(idHexValue, async (g) => {
      const leaves = this.deps.mls.members(g.state).filter((m) => names.has(m.name)).map((m) => m.leaf);
      if (leaves.length === 0) return undefined;
      return { ...(await this.deps.mls.removeMembers(g.state, leaves)), removeAccounts: [...names] };
    });
  }

  /**
   * Removes leaves of devices an account no longer lists (a device removed from its account):
   * any member may, and the removed device cannot read anything sent after.
   */
  async dropStaleDevices(idHexValue: string, account: string, listed: Set<string>): Promise<void> {
    await this.commit(idHexValue, async (g) => {
      const stale = this.deps.mls.members(g.state).filter((m) => m.name === account && !listed.has(toHex(m.deviceId))).map((m) => m.leaf);
      if (stale.length === 0) return undefined;
      return this.deps.mls.removeMembers(g.state, stale);
    });
  }

  /** Leaves: our other devices' leaves go by our commit, ours by a proposal the others commit. */
  async leave(idHexValue: string): Promise<void> {
    const g = this.require(idHexValue);
    if (g.meta.kind === 'direct' || g.meta.kind === 'room' || g.meta.kind === 'everyone') {
      await this.commit(idHexValue, async (cur) => {
        const mine = this.deps.mls.members(cur.state).filter((m) => m.name === this.deps.selfName && toHex(m.deviceId) !== toHex(this.deps.device.deviceId));
        const built = mine.length > 0 ? await this.deps.mls.removeMembers(cur.state, mine.map((m) => m.leaf)) : await this.deps.mls.selfUpdate(cur.state);
        return { ...built, removeAccounts: [this.deps.selfName] };
      });
    }
    const meta = g.meta;
    await this.deps.queue.exclusive(() => this.deps.groups.remove(idHexValue));
    this.deps.events.left({ conversation: meta, reason: 'you left' });
  }

  /** A room's new title (its administrator). */
  async rename(idHexValue: string, title: string): Promise<void> {
    const g = this.require(idHexValue);
    const reply = await this.deps.request({ body: { case: 'conversationRename', value: { conversationId: fromHexId(g.meta.id), title } } });
    if (reply.body.case !== 'conversation') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
    const meta = metaOf(reply.body.value);
    await this.deps.queue.exclusive(async () => {
      const cur = this.deps.groups.get(g.meta.id);
      if (cur) await this.deps.groups.put({ meta: { ...cur.meta, title: meta.title }, state: cur.state });
    });
  }

  /** Fresh keys for this device in a conversation (post-compromise security). */
  async update(idHexValue: string): Promise<void> {
    await this.commit(idHexValue, async (g) => this.deps.mls.selfUpdate(g.state));
  }

  /**
   * A commit built from the current state, handed to the delivery service, and adopted once it
   * is accepted. When another commit won the epoch, the winner is processed first (it is already
   * on its way in our queue) and the commit is built again from the new state.
   */
  private async commit(idHexValue: string, build: (g: Group) => Promise<BuiltCommit | undefined>): Promise<void> {
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const outcome = await this.deps.queue.exclusive(async () => {
        const g = this.require(idHexValue);
        const built = await build(g);
        if (!built) return 'accepted' as const;
        return this.submit(g.meta, built);
      });
      if (outcome === 'accepted') return;
      await wait(50 * (attempt + 1));
    }
    throw new ClientError('EPOCH_CONFLICT', 'the conversation kept moving; try again');
  }

  /** Sends a built commit; on acceptance the new state is written. Runs inside the queue. */
  private async submit(meta: ConversationMeta, built: BuiltCommit): Promise<'accepted' | 'conflict'> {
    try {
      const reply = await this.deps.request({
        body: {
          case: 'commit',
          value: {
            conversationId: fromHexId(meta.id), commit: built.commit, groupInfo: built.groupInfo, id: randomId(),
            welcome: built.welcome ?? new Uint8Array(), welcomeDevices: built.welcomeDevices ?? [],
            addAccounts: built.addAccounts ?? [], removeAccounts: built.removeAccounts ?? [],
          },
        },
      });
      if (reply.body.case !== 'commitAccepted') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
    } catch (e) {
      if (isClientError(e, 'EPOCH_CONFLICT')) return 'conflict';
      throw e;
    }
    await this.deps.groups.put({ meta, state: built.state });
    return 'accepted';
  }

  // ---------------------------------------------------------------- messages

  /**
   * Encrypts `text` for a conversation and hands it to the server. The ratchet's new state is
   * written before the message leaves (a reused key would be a reused nonce).
   */
  async send(idHexValue: string, text: string): Promise<{ id: string; deliveredNow: number; stored: number }> {
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      const id = randomId();
      const outcome = await this.deps.queue.exclusive(async () => {
        const g = this.require(idHexValue);
        const sealed = await this.deps.mls.encrypt(g.state, encodeText({ text, ts: Date.now() }));
        await this.deps.groups.put({ meta: g.meta, state: sealed.state });
        try {
          const reply = await this.deps.request({ body: { case: 'groupMessage', value: { id, conversationId: fromHexId(g.meta.id), message: sealed.message } } });
          if (reply.body.case !== 'accepted') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
          return { id: toHex(id), deliveredNow: reply.body.value.deliveredNow, stored: reply.body.value.stored };
        } catch (e) {
          if (isClientError(e, 'EPOCH_CONFLICT')) return undefined;
          throw e;
        }
      });
      if (outcome) return outcome;
      // The group moved on (a commit we have not processed yet): process it, then encrypt again.
      await wait(50 * (attempt + 1));
    }
    throw new ClientError('EPOCH_CONFLICT', 'the conversation kept moving; try again');
  }

  // ---------------------------------------------------------------- incoming (run in the queue)

  /** A Welcome: join with whichever of our key packages it names. */
  async onWelcome(w: ConversationWelcome): Promise<void> {
    if (!w.conversation) return;
    const meta = metaOf(w.conversation);
    if (this.deps.groups.get(meta.id)) return;
    for (const kp of await this.deps.deviceStore.keyPackagePrivates()) {
      let state: MlsGroupState;
      try {
        state = await this.deps.mls.joinFromWelcome(w.welcome, kp.privateBytes);
      } catch (e) {
        if (isMlsError(e) && e.code === 'NOT_A_RECIPIENT') continue;
        this.deps.events.unreadable({ conversation: meta.id, from: '', reason: `a Welcome could not be joined: ${(e as Error).message}` });
        return;
      }
      await this.deps.groups.put({ meta, state });
      await this.deps.deviceStore.consumeKeyPackage(kp.refHex);
      this.deps.events.joined({ conversation: meta, how: 'welcome' });
      return;
    }
    this.deps.events.unreadable({ conversation: meta.id, from: '', reason: 'a Welcome names none of this device\'s key packages' });
  }

  /** A commit or an application message of a conversation. */
  async onMessage(m: ConversationMessage, from: string, ids: { id: Uint8Array; serverTs: number }): Promise<void> {
    const key = idHex(m.conversationId);
    const g = this.deps.groups.get(key);
    if (!g) return; // not (or no longer) ours: a commit that removed us, a message from before our Welcome
    let result;
    try {
      result = await this.deps.mls.process(g.state, m.message);
    } catch (e) {
      await this.unreadable(g, from, e, Number(m.epoch));
      return;
    }
    if (result.kind === 'application') {
      await this.deps.groups.put({ meta: g.meta, state: result.state });
      let content;
      try {
        content = decodeText(result.plaintext);
      } catch (e) {
        this.deps.events.unreadable({ conversation: key, from, reason: (e as Error).message });
        return;
      }
      this.deps.events.message({
        conversation: g.meta, id: toHex(ids.id), from: result.sender.name, device: toHex(result.sender.deviceId), text: content.text,
        ts: content.ts, serverTs: ids.serverTs,
      });
      return;
    }
    if (result.kind === 'proposal') {
      await this.deps.groups.put({ meta: g.meta, state: result.state });
      return;
    }
    if (result.selfRemoved) {
      await this.deps.groups.remove(key);
      this.deps.events.left({ conversation: g.meta, reason: `removed by ${result.sender.name}` });
      return;
    }
    await this.deps.groups.put({ meta: g.meta, state: result.state });
    const names = (list: MlsMember[]) => [...new Set(list.map((x) => x.name))];
    if (result.added.length > 0 || result.removed.length > 0) {
      this.deps.events.changed({ conversation: g.meta, added: names(result.added), removed: names(result.removed), by: result.sender.name });
    }
  }

  /** A notice from the server about a conversation. */
  async onNotice(n: ConversationNotice): Promise<void> {
    if (!n.conversation) return;
    const meta = metaOf(n.conversation);
    const g = this.deps.groups.get(meta.id);
    if (!g) return;
    if (n.kind === ConversationNotice_Kind.RENAMED) {
      await this.deps.groups.put({ meta: { ...g.meta, title: meta.title }, state: g.state });
      this.deps.events.changed({ conversation: { ...g.meta, title: meta.title }, added: [], removed: [], by: n.by });
    } else if (n.kind === ConversationNotice_Kind.REMOVED_YOU) {
      await this.deps.groups.remove(meta.id);
      this.deps.events.left({ conversation: g.meta, reason: `removed by ${n.by}` });
    } else if (n.kind === ConversationNotice_Kind.MEMBER_REMOVED) {
      this.scheduleDepartedRemoval(g, n.accounts.map((a) => a.toLowerCase()));
    }
  }

  /**
   * Accounts that left still have leaves in the tree until a member commits their removal; until
   * then every new epoch's path secrets are encrypted to them too. The member with the lowest leaf
   * commits at once, the others later and only if it is still needed, so one leave is one commit
   * rather than a storm of conflicting ones. Runs outside the serial queue (commit waits on it).
   */
  private scheduleDepartedRemoval(g: Group, departed: string[]): void {
    const gone = new Set(departed.filter((a) => a !== this.deps.selfName));
    if (gone.size === 0) return;
    const staying = this.deps.mls.members(g.state).filter((m) => !gone.has(m.name)).map((m) => m.leaf).sort((a, b) => a - b);
    const mine = this.deps.mls.members(g.state).find((m) => toHex(m.deviceId) === toHex(this.deps.device.deviceId));
    if (!mine) return;
    const rank = Math.max(0, staying.indexOf(mine.leaf));
    const run = () => {
      this.removeDeparted(g.meta.id, gone).catch((e: unknown) => {
        if (!isClientError(e) || (e.code !== 'CLOSED' && e.code !== 'NOT_CONNECTED')) this.deps.events.unreadable({ conversation: g.meta.id, from: '', reason: `removing members who left failed: ${(e as Error).message}` });
      });
    };
    const timer: unknown = setTimeout(run, Math.min(rank * DEPARTED_REMOVAL_STEP_MS, 60_000));
    // In Node, a pending check must not keep a closing process alive (browsers have no unref).
    (timer as { unref?: () => void }).unref?.();
  }

  /** Commits the removal of departed accounts' leaves, if any are still in the tree. */
  private async removeDeparted(idHexValue: string, gone: Set<string>): Promise<void> {
    if (!this.deps.groups.get(idHexValue)) return;
    await this.commit(idHexValue, async (cur) => {
      const leaves = this.deps.mls.members(cur.state).filter((m) => gone.has(m.name)).map((m) => m.leaf);
      return leaves.length === 0 ? undefined : this.deps.mls.removeMembers(cur.state, leaves);
    });
  }

  /**
   * A message we cannot process. When the group moved on without us (we missed its commits, say
   * after being offline longer than the server keeps them), we rejoin by external commit and say
   * so; anything else is reported and skipped.
   */
  private async unreadable(g: Group, from: string, e: unknown, epoch: number): Promise<void> {
    const ours = this.deps.mls.epoch(g.state);
    const code = isMlsError(e) ? e.code : 'ERROR';
    this.deps.events.unreadable({ conversation: g.meta.id, from, reason: `${code}: ${(e as Error).message}` });
    if (epoch > ours) {
      // Queued behind this one, so the rest of the queue is processed first.
      this.deps.queue.run(async () => void (await this.joinExternal(g.meta.id, `missed the conversation's changes (it is at epoch ${epoch}, this device at ${ours})`)));
    }
  }

  /** Rejoins a conversation by external commit (from the GroupInfo the server keeps). */
  private async joinExternal(idHexValue: string, reason: string): Promise<Group | undefined> {
    const id = fromHexId(idHexValue);
    const info = await this.deps.request({ body: { case: 'groupInfoRequest', value: { conversationId: id } } });
    if (info.body.case !== 'groupInfo') return undefined;
    const joined = await this.deps.mls.joinExternal(info.body.value.groupInfo, this.deps.device);
    const conv = await this.describe(id);
    const meta = conv ?? this.deps.groups.get(idHexValue)?.meta;
    if (!meta) return undefined;
    const outcome = await this.submit(meta, { commit: joined.commit, state: joined.state, groupInfo: await this.deps.mls.groupInfo(joined.state) });
    if (outcome !== 'accepted') return undefined;
    this.deps.events.rejoined({ conversation: meta, reason });
    return this.deps.groups.get(idHexValue);
  }

  private async describe(id: Uint8Array): Promise<ConversationMeta | undefined> {
    const reply = await this.deps.request({ body: { case: 'conversationsRequest', value: { offset: 0, limit: 500 } } });
    if (reply.body.case !== 'conversations') return undefined;
    const c = reply.body.value.items.find((x) => toHex(x.conversationId) === toHex(id));
    return c ? metaOf(c) : undefined;
  }
}

/** True when a failure is the adapter saying the group is at another epoch than the message. */
export function isEpochMismatch(e: unknown): boolean {
  return isMlsError(e) && (e.code === 'WRONG_EPOCH' || e.code === 'TOO_FAR_AHEAD');
}

import { randomBytes } from 'node:crypto';
import {
  ConversationKind, ConversationNotice_Kind, readMlsFraming,
  type Commit, type ConversationCreate, type ConversationRename, type ConversationsRequest, type GroupInfoRequest,
  type GroupMessage, type MembersRequest, type MlsFraming,
} from '../../protocol/index.js';
import { CONVERSATION_KIND, QUEUE_KIND, type ConversationRecord, type DeviceRecord } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { conversationFrame } from '../conversations/conversation-view.js';
import { encodeMlsMeta, encodeNotice } from '../mailbox/queue-frames.js';
import { encodeAcceptedFrame } from '../message-frames.js';
import { ServerError } from '../server-error.js';
import { checkQuotas, deliver } from './deliver.js';

/** Application messages may lag the conversation's epoch by this many (a sender still catching up). */
export const MAX_EPOCH_LAG = 3;

function v2(conn: ClientConnection) {
  const s = conn.session!;
  if (s.protocol !== 2) throw new ServerError('UNKNOWN_FRAME', 'conversations are part of protocol v2');
  return s;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The conversation, if the caller may know of it: a member, or anyone for Everyone. Unknown otherwise. */
function visible(ctx: ServerContext, id: Uint8Array, account: string): ConversationRecord {
  const c = ctx.conversations.get(id);
  if (!c || (!c.members.has(account) && c.kind !== CONVERSATION_KIND.everyone)) {
    throw new ServerError('UNKNOWN_CONVERSATION', 'no such conversation');
  }
  return c;
}

function framing(bytes: Uint8Array, conversation: ConversationRecord, refId: Uint8Array): Extract<MlsFraming, { wireFormat: 'public_message' | 'private_message' }> {
  let f: MlsFraming;
  try {
    f = readMlsFraming(bytes);
  } catch (e) {
    throw new ServerError('BAD_MLS_MESSAGE', (e as Error).message, refId);
  }
  if (f.wireFormat !== 'public_message' && f.wireFormat !== 'private_message') throw new ServerError('BAD_MLS_MESSAGE', 'not an MLS handshake or application message', refId);
  if (hex(f.groupId) !== conversation.idHex) throw new ServerError('BAD_MLS_MESSAGE', 'the message belongs to another group', refId);
  return f;
}

/** Every device of the member accounts, but `except` (the sending device). */
function memberDevices(ctx: ServerContext, accounts: Iterable<string>, except: string | undefined): DeviceRecord[] {
  const out: DeviceRecord[] = [];
  for (const a of accounts) for (const d of ctx.registry.devicesOf(a)) if (!d.v1 && d.idHex !== except) out.push(d);
  return out;
}

/** Stores and routes a server notice about a conversation to the given devices. */
function notify(ctx: ServerContext, c: ConversationRecord, devices: readonly DeviceRecord[], kind: ConversationNotice_Kind, accounts: string[], by: string): void {
  if (devices.length === 0) return;
  deliver(ctx, {
    sender: '', senderDevice: undefined, id: new Uint8Array(randomBytes(16)), kind: QUEUE_KIND.notice, toAll: false, conversation: c.id,
    meta: undefined, payload: encodeNotice({ kind, accounts, by }), now: Date.now(), ttlMs: ctx.config.limits.mailboxTtlMs,
    devices: devices.map((d) => d.id),
  }, (s) => {
    if (!s.ok) ctx.log.error({ err: s.error.message }, 'storing a conversation notice failed');
  });
}

/** The Everyone room, made once per server (its MLS group starts with the first v2 member's commit). */
export function ensureEveryone(ctx: Pick<ServerContext, 'conversations'>): ConversationRecord {
  return ctx.conversations.everyone() ?? ctx.conversations.create({
    id: new Uint8Array(randomBytes(16)), kind: CONVERSATION_KIND.everyone, title: 'Everyone', creator: '', members: [], now: Date.now(),
  });
}

/**
 * A new direct conversation or room, with the caller as its only member (and, for a room, its
 * administrator). Members come in with the creator's first commit (add + Welcome).
 */
export function handleConversationCreate(ctx: ServerContext, conn: ClientConnection, req: number, body: ConversationCreate): void {
  const s = v2(conn);
  if (ctx.conversations.get(body.conversationId)) throw new ServerError('CONVERSATION_EXISTS', 'a conversation with this id exists', body.conversationId);
  if (ctx.conversations.conversationsOf(s.account).length >= ctx.config.limits.maxConversationsPerAccount) {
    throw new ServerError('QUOTA_EXCEEDED', `at most ${ctx.config.limits.maxConversationsPerAccount} conversations per account`);
  }
  let kind: typeof CONVERSATION_KIND.direct | typeof CONVERSATION_KIND.room = CONVERSATION_KIND.room;
  if (body.kind === ConversationKind.DIRECT) {
    kind = CONVERSATION_KIND.direct;
    const peer = ctx.registry.get(body.peer);
    if (!peer || body.peer === s.account) throw new ServerError('UNKNOWN_PEER', `no user "${body.peer}" is registered`);
    if (ctx.registry.isV1Only(peer)) throw new ServerError('UNKNOWN_PEER', `"${body.peer}" has no v2 device: send v1 envelopes`);
    const existing = ctx.conversations.direct(s.account, body.peer);
    if (existing) throw new ServerError('CONVERSATION_EXISTS', 'you already have a direct conversation with this account', existing.id);
  }
  const peer = kind === CONVERSATION_KIND.direct ? body.peer : undefined;
  const c = ctx.conversations.create({
    id: body.conversationId, kind, title: kind === CONVERSATION_KIND.room ? body.title : '', creator: s.account,
    members: [{ name: s.account, admin: true }], now: Date.now(), peer,
  });
  ctx.log.info({ user: s.account, kind }, 'conversation created');
  conn.send({ req, body: { case: 'conversation', value: conversationFrame(c, s.account) } });
}

/** What a commit may change, by conversation kind and the committer's role. */
function checkCommitRights(c: ConversationRecord, who: string, add: readonly string[], remove: readonly string[]): void {
  const isMember = c.members.has(who);
  const admin = c.members.get(who)?.admin ?? false;
  const leaving = remove.length === 1 && remove[0] === who && add.length === 0;
  if (c.kind === CONVERSATION_KIND.everyone) {
    if (add.some((a) => a !== who) || remove.some((r) => r !== who)) throw new ServerError('NOT_ADMIN', 'in Everyone each account adds and removes only itself');
    if (!isMember && add[0] !== who) throw new ServerError('UNKNOWN_CONVERSATION', 'join Everyone by adding yourself');
    return;
  }
  if (!isMember) throw new ServerError('UNKNOWN_CONVERSATION', 'no such conversation');
  if (c.kind === CONVERSATION_KIND.direct) {
    const peer = c.pair?.find((p) => p !== who);
    if (add.some((a) => a !== peer)) throw new ServerError('NOT_ADMIN', 'a direct conversation has exactly two accounts');
    if (remove.length > 0 && !leaving) throw new ServerError('NOT_ADMIN', 'in a direct conversation you can only leave');
    return;
  }
  if ((add.length > 0 || (remove.length > 0 && !leaving)) && !admin) throw new ServerError('NOT_ADMIN', 'only the room\'s administrator adds and removes members');
}

/**
 * An MLS commit, in one total order per conversation: accepted only for the current epoch
 * (compare-and-set), so of two commits for one epoch the second gets EPOCH_CONFLICT and its sender
 * processes the first (already in its queue) and commits again. The commit goes to every device of
 * the members before it (the removed included, so they learn it), the Welcome to the devices it
 * names, the new GroupInfo is kept for joins by external commit.
 */
export function handleCommit(ctx: ServerContext, conn: ClientConnection, req: number, body: Commit): void {
  const s = v2(conn);
  const c = visible(ctx, body.conversationId, s.account);
  const f = framing(body.commit, c, body.id);
  if (f.contentType !== 'commit') throw new ServerError('BAD_MLS_MESSAGE', 'not a commit', body.id);
  try {
    const gi = readMlsFraming(body.groupInfo);
    if (gi.wireFormat !== 'group_info') throw new Error('not a GroupInfo');
    // The GroupInfo is the new epoch's, of this group: what an external joiner will get.
    if (hex(gi.groupId) !== c.idHex || gi.epoch !== f.epoch + 1) throw new Error('the GroupInfo is not of this group\'s next epoch');
    if (body.welcome.byteLength > 0 && readMlsFraming(body.welcome).wireFormat !== 'welcome') throw new Error('not a Welcome');
  } catch (e) {
    throw new ServerError('BAD_MLS_MESSAGE', (e as Error).message, body.id);
  }
  const add = [...new Set(body.addAccounts.map((a) => a.toLowerCase()))];
  const remove = [...new Set(body.removeAccounts.map((a) => a.toLowerCase()))];
  for (const a of add) {
    const rec = ctx.registry.get(a);
    if (!rec) throw new ServerError('UNKNOWN_PEER', `no user "${a}" is registered`, body.id);
    if (ctx.registry.isV1Only(rec)) throw new ServerError('UNKNOWN_PEER', `"${a}" has no v2 device`, body.id);
  }
  checkCommitRights(c, s.account, add, remove);
  if (f.epoch !== c.epoch) {
    throw new ServerError('EPOCH_CONFLICT', `the conversation is at epoch ${c.epoch}; this commit is for epoch ${f.epoch}: process your queue and commit again`, body.id);
  }
  const before = [...c.members.keys()];
  const after = new Set(before);
  for (const a of add) after.add(a);
  for (const r of remove) after.delete(r);
  const welcomeTo: DeviceRecord[] = [];
  if (body.welcomeDevices.length > 0) {
    // Only devices of the accounts that are members once this commit is applied.
    const candidates = new Map(memberDevices(ctx, after, undefined).map((d) => [d.idHex, d]));
    for (const id of body.welcomeDevices) {
      const d = candidates.get(hex(id));
      if (!d) throw new ServerError('UNKNOWN_DEVICE', 'the welcome names a device that is not a member\'s', body.id);
      welcomeTo.push(d);
    }
  }
  const recipients = memberDevices(ctx, before, s.device.idHex);
  checkQuotas(ctx, s.account, recipients, body.commit.byteLength, body.id);
  if (!ctx.conversations.advance(c.id, c.epoch, body.groupInfo, add, remove, Date.now())) {
    const now = ctx.conversations.get(c.id)?.epoch ?? c.epoch;
    throw new ServerError('EPOCH_CONFLICT', `the conversation moved on to epoch ${now}: process your queue and commit again`, body.id);
  }
  const epoch = c.epoch + 1;
  const now = Date.now();
  const ttlMs = ctx.config.limits.mailboxTtlMs;
  deliver(ctx, {
    sender: s.account, senderDevice: s.device.id, id: body.id, kind: QUEUE_KIND.mls, toAll: false, conversation: c.id,
    meta: encodeMlsMeta(f.epoch, true), payload: body.commit, now, ttlMs, devices: recipients.map((d) => d.id),
  }, (settled) => {
    if (!settled.ok) {
      ctx.log.error({ err: settled.error.message }, 'storing a commit failed');
      conn.sendError(req, 'INTERNAL', 'the server could not store the commit', body.id);
      return;
    }
    conn.send({ req, body: { case: 'commitAccepted', value: { conversationId: c.id, epoch: BigInt(epoch), id: body.id } } });
  });
  if (welcomeTo.length > 0) {
    deliver(ctx, {
      sender: s.account, senderDevice: s.device.id, id: new Uint8Array(randomBytes(16)), kind: QUEUE_KIND.welcome, toAll: false,
      conversation: c.id, meta: undefined, payload: body.welcome, now, ttlMs, devices: welcomeTo.map((d) => d.id),
    }, (settled) => {
      if (!settled.ok) ctx.log.error({ err: settled.error.message }, 'storing a welcome failed');
    });
  }
  if (remove.length > 0) {
    // The removed hear it from the server too: they may be unable to process the commit itself.
    notify(ctx, ctx.conversations.get(c.id)!, memberDevices(ctx, remove, s.device.idHex), ConversationNotice_Kind.REMOVED_YOU, remove, s.account);
  }
  if (remove.length === 1 && remove[0] === s.account && add.length === 0) {
    // A leaver cannot remove its own leaf (RFC 9420 §12.4: no self-remove by commit), so the
    // members who stay hear of it and one of them commits the removal of the leaver's leaves.
    notify(ctx, ctx.conversations.get(c.id)!, memberDevices(ctx, after, undefined), ConversationNotice_Kind.MEMBER_REMOVED, remove, s.account);
  }
  ctx.metrics.inc('commits_total');
}

/**
 * An MLS application message for every other device of the conversation. The server checks only
 * its clear framing (this group, content type application, an epoch not ahead of the group's nor
 * far behind it) and that the sender is a member.
 */
export function handleGroupMessage(ctx: ServerContext, conn: ClientConnection, req: number, body: GroupMessage): void {
  const s = v2(conn);
  if (!conn.messages.take()) {
    ctx.metrics.inc('dropped_by_limit_total');
    throw new ServerError('RATE_LIMITED', 'too many messages per second; slow down', body.id);
  }
  const c = visible(ctx, body.conversationId, s.account);
  if (!c.members.has(s.account)) throw new ServerError('UNKNOWN_CONVERSATION', 'join the conversation first', body.id);
  const f = framing(body.message, c, body.id);
  if (f.wireFormat !== 'private_message' || f.contentType !== 'application') throw new ServerError('BAD_MLS_MESSAGE', 'not an MLS application message', body.id);
  if (f.epoch > c.epoch || f.epoch < c.epoch - MAX_EPOCH_LAG) {
    throw new ServerError('EPOCH_CONFLICT', `the conversation is at epoch ${c.epoch}; this message is for epoch ${f.epoch}`, body.id);
  }
  const devices = memberDevices(ctx, c.members.keys(), s.device.idHex);
  checkQuotas(ctx, s.account, devices, body.message.byteLength, body.id);
  let deliveredNow = 0;
  const { duplicate, deliveredNow: n } = deliver(ctx, {
    sender: s.account, senderDevice: s.device.id, id: body.id, kind: QUEUE_KIND.mls, toAll: false, conversation: c.id,
    meta: encodeMlsMeta(f.epoch, false), payload: body.message, now: Date.now(), ttlMs: ctx.config.limits.mailboxTtlMs,
    devices: devices.map((d) => d.id),
  }, (settled) => {
    if (!settled.ok) {
      conn.sendError(req, 'INTERNAL', 'the server could not store the message; send it again', body.id);
      return;
    }
    conn.sendEncoded(encodeAcceptedFrame(req, body.id, deliveredNow, devices.length - deliveredNow), 'turn');
  });
  deliveredNow = n;
  if (!duplicate) ctx.metrics.inc('messages_routed_total');
}

/** The latest GroupInfo, for a device that joins (or rejoins) by external commit. */
export function handleGroupInfoRequest(ctx: ServerContext, conn: ClientConnection, req: number, body: GroupInfoRequest): void {
  const s = v2(conn);
  const c = visible(ctx, body.conversationId, s.account);
  if (!c.groupInfo) throw new ServerError('NOT_READY', 'the conversation has no MLS group yet');
  conn.send({ req, body: { case: 'groupInfo', value: { conversationId: c.id, epoch: BigInt(c.epoch), groupInfo: c.groupInfo } } });
}

/** The caller's conversations, a page at a time (Everyone is listed when it is a member). */
export function handleConversationsRequest(ctx: ServerContext, conn: ClientConnection, req: number, body: ConversationsRequest): void {
  const s = v2(conn);
  const ids = ctx.conversations.conversationsOf(s.account);
  const limit = body.limit === 0 ? 100 : body.limit;
  const items = ids.slice(body.offset, body.offset + limit).flatMap((id) => {
    const c = ctx.conversations.get(id);
    return c ? [conversationFrame(c, s.account)] : [];
  });
  conn.send({ req, body: { case: 'conversations', value: { items, total: ids.length } } });
}

/** A conversation's members, a page at a time, with whether each is online. */
export function handleMembersRequest(ctx: ServerContext, conn: ClientConnection, req: number, body: MembersRequest): void {
  const s = v2(conn);
  const c = visible(ctx, body.conversationId, s.account);
  const limit = body.limit === 0 ? 100 : body.limit;
  const names = [...c.members.keys()].sort();
  const items = names.slice(body.offset, body.offset + limit).map((name) => ({
    name, admin: c.members.get(name)!.admin, online: ctx.router.isOnline(name),
  }));
  conn.send({ req, body: { case: 'members', value: { conversationId: c.id, items, total: names.length } } });
}

/** A room's new title (its administrator only); every member's devices hear it. */
export function handleConversationRename(ctx: ServerContext, conn: ClientConnection, req: number, body: ConversationRename): void {
  const s = v2(conn);
  const c = visible(ctx, body.conversationId, s.account);
  if (c.kind !== CONVERSATION_KIND.room) throw new ServerError('NOT_ADMIN', 'only rooms have a title to change');
  if (!c.members.get(s.account)?.admin) throw new ServerError('NOT_ADMIN', 'only the room\'s administrator renames it');
  ctx.conversations.rename(c.id, body.title, Date.now());
  const updated = ctx.conversations.get(c.id)!;
  notify(ctx, updated, memberDevices(ctx, updated.members.keys(), undefined), ConversationNotice_Kind.RENAMED, [], s.account);
  conn.send({ req, body: { case: 'conversation', value: conversationFrame(updated, s.account) } });
}

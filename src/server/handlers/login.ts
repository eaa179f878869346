import { create, toBinary } from '@bufbuild/protobuf';
import { CLOSE_CODES, ServerFrameSchema, type Login } from '../../protocol/index.js';
import type { AccountRecord } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { conversationFrame } from '../conversations/conversation-view.js';
import { QueueCursor } from '../mailbox/queue-cursor.js';
import { encodeWelcomeFrame, type ListedPeer } from '../peer-list-frames.js';
import { isServerError } from '../server-error.js';
import type { Session } from '../session.js';
import { closeRemovedDevices } from './devices.js';

/** Peers a v1 Welcome (and a v1 Roster) lists at most: members of Everyone, online ones first. */
export const V1_PEER_LIST_LIMIT = 1000;

/**
 * The peers a v1 client is shown: members of Everyone (every v1 account is one), online ones
 * first, at most V1_PEER_LIST_LIMIT. v1 clients look any other name up with PeerRequest, so a
 * login's cost no longer grows with the registry.
 */
export function v1Peers(ctx: ServerContext, self: string): ListedPeer[] {
  const members = ctx.conversations.everyone()?.members;
  if (!members) return [];
  const out: ListedPeer[] = [];
  const seen = new Set<string>([self]);
  const add = (name: string, online: boolean): void => {
    if (out.length >= V1_PEER_LIST_LIMIT || seen.has(name)) return;
    const record = ctx.registry.get(name);
    seen.add(name);
    if (record) out.push({ record, online });
  };
  for (const name of ctx.router.onlineAccounts()) if (members.has(name)) add(name, true);
  for (const name of members.keys()) {
    if (out.length >= V1_PEER_LIST_LIMIT) break;
    add(name, ctx.router.isOnline(name));
  }
  return out;
}

function welcomeV2(ctx: ServerContext, req: number, account: AccountRecord, session: Session, registered: boolean, keyChanged: boolean): Uint8Array {
  const status = ctx.keyPackages.status(session.device.id);
  const everyone = ctx.conversations.everyone();
  return toBinary(ServerFrameSchema, create(ServerFrameSchema, {
    req,
    body: {
      case: 'welcome',
      value: {
        name: account.name, serverTime: BigInt(Date.now()), keyChanged, deviceId: session.device.id,
        deviceList: account.deviceList ?? new Uint8Array(), keyPackages: status.remaining, lastResort: status.lastResort, registered,
        everyone: everyone ? conversationFrame(everyone, account.name) : undefined,
      },
    },
  }));
}

/**
 * Login (v1 or v2): the registry checks the proof and applies what it implies; then the session
 * joins the router, hears its Welcome, and (a receiving session) starts taking its device's queue.
 */
export async function handleLogin(ctx: ServerContext, conn: ClientConnection, req: number, login: Login): Promise<void> {
  if (conn.authenticated) {
    conn.sendError(req, 'ALREADY_AUTHENTICATED', 'already logged in on this connection');
    return;
  }
  let auth;
  try {
    auth = await ctx.registry.login(login, { nonce: conn.nonce, certFingerprint: ctx.certFingerprint, address: conn.address, now: Date.now() });
  } catch (e) {
    if (!isServerError(e)) throw e;
    ctx.metrics.inc('login_failures_total');
    if (e.code === 'RATE_LIMITED') ctx.metrics.inc('dropped_by_limit_total');
    conn.sendError(req, e.code, e.message);
    conn.close(CLOSE_CODES.AUTH_FAILED, e.code);
    return;
  }
  if (conn.closed) return;
  const { account, device, protocol } = auth;
  const session: Session = { account: account.name, device, protocol, receive: protocol === 1 || login.receive, cursor: undefined };
  if (session.receive) session.cursor = new QueueCursor(conn, ctx.mailbox, ctx.frames, { bytes: ctx.config.limits.queueWindowBytes, items: ctx.config.limits.queueWindowItems });
  conn.name = account.name;
  conn.bundle = auth.bundle;
  conn.bundleBytes = auth.bundle.bytes;
  conn.session = session;
  if (auth.registered) ctx.log.info({ user: account.name, protocol }, 'registered');
  if (auth.keyChanged) ctx.log.warn({ user: account.name }, 'name rebound to a new key after operator reset');

  // A v1 account is a member of Everyone: v1's "to all" and roster are Everyone's.
  const everyone = ctx.conversations.everyone();
  if (protocol === 1 && everyone && !everyone.members.has(account.name)) ctx.conversations.join(everyone.id, account.name, Date.now());

  const wasOnline = ctx.router.isOnline(account.name);
  const replaced = ctx.router.attach(conn);
  if (replaced) replaced.close(CLOSE_CODES.REPLACED, 'this device logged in again elsewhere');
  closeRemovedDevices(ctx, auth.removedDevices);
  // A v1 identity's first v2 device took over what was stored for it: the queues' byte counts moved.
  if (auth.firstDeviceList) ctx.mailbox.recount();
  ctx.metrics.inc('logins_total');
  ctx.log.info({ user: account.name, protocol, receive: session.receive, address: conn.address }, 'logged in');

  if (protocol === 1) {
    conn.sendEncoded(encodeWelcomeFrame(req, account.name, v1Peers(ctx, account.name), BigInt(Date.now()), auth.keyChanged), 'spread');
  } else {
    conn.sendEncoded(welcomeV2(ctx, req, account, session, auth.registered, auth.keyChanged), 'turn');
    if (session.receive) ctx.presence.initial(conn);
  }
  if (auth.keyChanged || auth.deviceListChanged) ctx.presence.accountChanged(account.name, auth.keyChanged);
  if (!wasOnline && ctx.router.isOnline(account.name) && !auth.keyChanged) ctx.presence.changed(account.name, true);
  session.cursor?.start();
}

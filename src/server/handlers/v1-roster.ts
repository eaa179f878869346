import { parseBundle, verifyLogin, verifyRotation } from '../../crypto/verify.js';
import { canonicalName, type KeyRotation, type PeerRequest } from '../../protocol/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { encodeRosterFrame } from '../peer-list-frames.js';
import { ServerError } from '../server-error.js';
import { v1Peers } from './login.js';

/** A registered account's identity bundle, for a client that does not have it yet (v1; v2 uses Lookup). */
export function handlePeerRequest(ctx: ServerContext, conn: ClientConnection, req: number, body: PeerRequest): void {
  let name: string;
  try {
    name = canonicalName(body.name);
  } catch {
    throw new ServerError('UNKNOWN_PEER', 'no such user');
  }
  const rec = ctx.registry.get(name);
  if (!rec) throw new ServerError('UNKNOWN_PEER', `no user "${name}" is registered`);
  conn.send({ req, body: { case: 'peerInfo', value: { name, bundle: rec.bundle, online: ctx.router.isOnline(name) } } });
}

/** v1 roster: members of Everyone, online ones first, bounded like the Welcome's list. */
export function handleRosterRequest(ctx: ServerContext, conn: ClientConnection, req: number): void {
  conn.sendEncoded(encodeRosterFrame(req, v1Peers(ctx, '')), 'spread');
}

/**
 * v1 key rotation: the old key vouches for the new bundle, and the new key proves itself on this
 * connection. Every client then hears KEY_CHANGED and decides for itself. A v2 account's identity
 * is bound to its signed device list and is not rotated this way.
 */
export async function handleRotation(ctx: ServerContext, conn: ClientConnection, req: number, body: KeyRotation): Promise<void> {
  const s = conn.session!;
  const name = s.account;
  const account = ctx.registry.get(name);
  if (!account || account.deviceList || s.protocol !== 1) throw new ServerError('BAD_ROTATION', 'only a v1 account rotates its key this way');
  const oldBundle = conn.bundle!;
  const newBundle = await parseBundle(body.newBundle).catch(() => {
    throw new ServerError('BAD_ROTATION', 'new bundle is malformed or its self-signature does not verify');
  });
  const vouched = await verifyRotation(oldBundle, name, newBundle, body.signature).catch(() => false);
  if (!vouched) throw new ServerError('BAD_ROTATION', 'rotation is not signed by the current key');
  const proven = await verifyLogin(newBundle, conn.nonce, ctx.certFingerprint, name, body.newLoginSignature).catch(() => false);
  if (!proven) throw new ServerError('BAD_ROTATION', 'the new key did not prove itself on this connection');
  if (conn.closed) return;
  ctx.registry.rotateV1(name, newBundle, s.device);
  conn.bundle = newBundle;
  conn.bundleBytes = newBundle.bytes;
  ctx.log.warn({ user: name }, 'key rotated');
  conn.send({ req, body: { case: 'peerInfo', value: { name, bundle: newBundle.bytes, online: true } } });
  ctx.presence.accountChanged(name, true);
}

import { parseBundle, verifyLogin, verifyRotation } from '../crypto/verify.js';
import { canonicalName, RosterUpdate_Event, type KeyRotation, type PeerRequest } from '../protocol/index.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';
import { encodeRosterFrame } from './peer-list-frames.js';
import { ServerError } from './server-error.js';

/** A registered peer's public bundle, for a client that does not have it yet. */
export function handlePeerRequest(hub: Hub, conn: ClientConnection, req: number, body: PeerRequest): void {
  let name: string;
  try {
    name = canonicalName(body.name);
  } catch {
    throw new ServerError('UNKNOWN_PEER', 'no such user');
  }
  const rec = hub.identities.get(name);
  if (!rec || rec.reset) throw new ServerError('UNKNOWN_PEER', `no user "${name}" is registered`);
  conn.send({ req, body: { case: 'peerInfo', value: hub.peerInfo(name) } });
}

export function handleRosterRequest(hub: Hub, conn: ClientConnection, req: number): void {
  conn.sendEncoded(encodeRosterFrame(req, hub.listedPeers()), 'spread');
}

/**
 * Key rotation: the old key vouches for the new bundle, and the new key proves
 * itself on this connection. Every client then sees KEY_CHANGED and decides for itself.
 */
export async function handleRotation(hub: Hub, conn: ClientConnection, req: number, body: KeyRotation): Promise<void> {
  const name = conn.name!;
  const oldBundle = conn.bundle!;
  const newBundle = await parseBundle(body.newBundle).catch(() => {
    throw new ServerError('BAD_ROTATION', 'new bundle is malformed or its self-signature does not verify');
  });
  const vouched = await verifyRotation(oldBundle, name, newBundle, body.signature).catch(() => false);
  if (!vouched) throw new ServerError('BAD_ROTATION', 'rotation is not signed by the current key');
  const proven = await verifyLogin(newBundle, conn.nonce, hub.certFingerprint, name, body.newLoginSignature).catch(() => false);
  if (!proven) throw new ServerError('BAD_ROTATION', 'the new key did not prove itself on this connection');
  if (conn.closed) return;
  hub.identities.put(name, newBundle.bytes, newBundle.fingerprint, Date.now());
  conn.bundle = newBundle;
  conn.bundleBytes = newBundle.bytes;
  hub.log.warn({ user: name }, 'key rotated');
  const info = hub.peerInfo(name);
  conn.send({ req, body: { case: 'peerInfo', value: info } });
  hub.broadcastRoster(RosterUpdate_Event.KEY_CHANGED, info);
}

import { parseBundle, verifyLogin, type PublicBundle } from '../crypto/verify.js';
import {
  canonicalName,
  CLOSE_CODES,
  PROTOCOL_VERSION,
  RosterUpdate_Event,
  type Login,
  type WireErrorName,
} from '../protocol/index.js';
import type { ClientConnection } from './client-connection.js';
import type { Hub } from './hub.js';
import { deliverBacklog } from './message-handler.js';
import { encodeWelcomeFrame } from './peer-list-frames.js';

function refuse(hub: Hub, conn: ClientConnection, req: number, code: WireErrorName, message: string): void {
  hub.metrics.inc('login_failures_total');
  conn.sendError(req, code, message);
  conn.close(CLOSE_CODES.AUTH_FAILED, code);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

/**
 * Login: the client proves it holds the bundle's signing key by signing this
 * connection's nonce, the server's certificate fingerprint and its name. The first
 * key to prove itself for a name owns it; another key is refused.
 */
export async function handleLogin(hub: Hub, conn: ClientConnection, req: number, login: Login): Promise<void> {
  if (conn.authenticated) {
    conn.sendError(req, 'ALREADY_AUTHENTICATED', 'already logged in on this connection');
    return;
  }
  if (login.protocolVersion !== PROTOCOL_VERSION) {
    return refuse(hub, conn, req, 'VERSION_UNSUPPORTED', `protocol version ${login.protocolVersion} is not supported; this server speaks ${PROTOCOL_VERSION}`);
  }
  let name: string;
  try {
    name = canonicalName(login.name);
  } catch (e) {
    return refuse(hub, conn, req, 'NAME_INVALID', (e as Error).message);
  }
  let bundle: PublicBundle;
  try {
    bundle = await parseBundle(login.bundle);
  } catch {
    return refuse(hub, conn, req, 'BAD_BUNDLE', 'public bundle is malformed or its self-signature does not verify');
  }
  const proven = await verifyLogin(bundle, conn.nonce, hub.certFingerprint, name, login.signature).catch(() => false);
  if (!proven) return refuse(hub, conn, req, 'BAD_PROOF', 'login signature does not verify for this key, name and connection');
  if (conn.closed) return;

  const record = hub.identities.get(name);
  let event = RosterUpdate_Event.JOINED;
  let keyChanged = false;
  if (!record) {
    if (!hub.registrations.take()) {
      hub.metrics.inc('dropped_by_limit_total');
      return refuse(hub, conn, req, 'RATE_LIMITED', 'too many new registrations; try again in a minute');
    }
    hub.identities.put(name, bundle.bytes, bundle.fingerprint, Date.now());
    hub.log.info({ user: name }, 'registered');
  } else if (!sameBytes(record.fingerprint, bundle.fingerprint)) {
    if (!record.reset) {
      return refuse(hub, conn, req, 'NAME_TAKEN', `the name "${name}" belongs to another key`);
    }
    hub.identities.put(name, bundle.bytes, bundle.fingerprint, Date.now());
    hub.log.warn({ user: name }, 'name rebound to a new key after operator reset');
    event = RosterUpdate_Event.KEY_CHANGED;
    keyChanged = true;
  } else if (record.reset) {
    // The operator reset the name but the old key came back first: it keeps the name.
    hub.identities.put(name, bundle.bytes, bundle.fingerprint, Date.now());
  }

  conn.name = name;
  conn.bundle = bundle;
  conn.bundleBytes = bundle.bytes;
  const replaced = hub.presence.set(name, conn);
  if (replaced) replaced.close(CLOSE_CODES.REPLACED, 'logged in elsewhere');
  hub.metrics.inc('logins_total');
  hub.log.info({ user: name, address: conn.address }, 'logged in');

  conn.sendEncoded(encodeWelcomeFrame(req, name, hub.listedPeers(), BigInt(Date.now()), keyChanged), 'spread');
  hub.broadcastRoster(event, hub.peerInfo(name));
  // Synchronous read and send: no live message can slip between backlog and presence.
  deliverBacklog(hub, conn);
}

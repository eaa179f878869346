import { fingerprintDigits, fromHex, parseBundle, safetyNumber, toHex, type Identity, type PublicBundle } from '../crypto/index.js';
import { canonicalName, RosterUpdate_Event, type ClientFrameInit, type PeerInfo, type ServerFrame } from '../protocol/index.js';
import { ClientError, errorMessage } from './client-error.js';
import type { Emit, PeerTrustState, PeerView } from './client-types.js';
import type { SavedState } from './saved-state.js';
import type { SerialQueue } from './serial-queue.js';

/** A peer as the roster holds it: the key the server announces and whether it is online. */
export interface PeerRecord {
  bundle: PublicBundle;
  online: boolean;
}

/** What the roster needs around it; requests go through functions, never a socket. */
export interface RosterDeps {
  /** Our canonical name. */
  selfName: string;
  /** Our current identity, for safety numbers. */
  identity: () => Identity;
  /** Where the trusted keys live (loaded before the first login). */
  saved: SavedState;
  /** The queue server pushes are handled in; roster answers join it so they keep wire order. */
  queue: SerialQueue;
  /** A request on the logged-in connection (NOT_CONNECTED otherwise). */
  request: (frame: ClientFrameInit) => Promise<ServerFrame>;
  /** A request on the current connection, also while a login completes. */
  lookup: (frame: ClientFrameInit) => Promise<ServerFrame>;
  /** True while logged in. */
  online: () => boolean;
  emit: Emit;
}

/** One roster change from a RosterUpdate(s) push. */
export interface RosterChange {
  event: RosterUpdate_Event;
  peer: PeerInfo;
}

/**
 * The roster and the trust in it: every registered peer with the key the server
 * announces, each key run through trust on first use (TrustStore). A key that differs
 * from the trusted one is announced once per session (keyChanged) and blocks sending
 * until the user accepts it; safety numbers are computed here for out-of-band checks.
 */
export class Roster {
  private readonly peers = new Map<string, PeerRecord>();
  /** Peers whose key change was announced in this session (announced once, not on every sighting). */
  private readonly announced = new Map<string, string>();

  constructor(private readonly deps: RosterDeps) {}

  /** Roster news, in order; the roster is announced once for the batch. */
  async applyChanges(changes: RosterChange[]): Promise<void> {
    for (const { event, peer } of changes) {
      await this.learnPeer(peer);
      if (peer.name === this.deps.selfName) continue;
      if (event === RosterUpdate_Event.JOINED) this.deps.emit('joined', { name: peer.name });
      if (event === RosterUpdate_Event.LEFT) this.deps.emit('left', { name: peer.name });
    }
    this.deps.emit('roster', this.list());
  }

  /**
   * Learns a list of peers; a full list (Welcome, Roster) also forgets names no longer
   * registered. What the list changes in the trust store is written once, after it.
   */
  async learnPeers(list: PeerInfo[], full: boolean): Promise<void> {
    await this.deps.saved.batch(async () => {
      for (const p of list) await this.learnPeer(p);
    });
    if (full) {
      const listed = new Set(list.map((p) => p.name));
      for (const name of [...this.peers.keys()]) if (!listed.has(name) && name !== this.deps.selfName) this.peers.delete(name);
    }
  }

  /** Parses a peer's bundle (once per distinct bundle) and runs it through the trust store. */
  async learnPeer(p: PeerInfo): Promise<PeerRecord | undefined> {
    const known = this.peers.get(p.name);
    if (known && sameBytes(known.bundle.bytes, p.bundle)) {
      known.online = p.online;
      if (p.name !== this.deps.selfName) this.checkTrust(p.name, known.bundle);
      return known;
    }
    let bundle: PublicBundle;
    try {
      bundle = await parseBundle(p.bundle);
    } catch {
      this.deps.emit('error', { code: 'BAD_BUNDLE', message: `the server sent an invalid key for ${p.name}` });
      return undefined;
    }
    const rec: PeerRecord = { bundle, online: p.online };
    this.peers.set(p.name, rec);
    if (p.name !== this.deps.selfName) this.checkTrust(p.name, bundle);
    return rec;
  }

  private checkTrust(name: string, bundle: PublicBundle): void {
    const seen = this.deps.saved.trust!.observe(name, bundle);
    const current = toHex(bundle.fingerprint);
    if (seen.status !== 'changed') {
      this.announced.delete(name);
      return;
    }
    // Announce each change once per session, not on every roster sighting.
    if (this.announced.get(name) === current) return;
    this.announced.set(name, current);
    this.deps.emit('keyChanged', {
      name,
      previous: seen.previous!,
      current,
      previousDigits: fingerprintDigits(fromHex(seen.previous!)),
      currentDigits: fingerprintDigits(bundle.fingerprint),
    });
  }

  /** Everyone is offline once our connection is gone. */
  markAllOffline(): void {
    for (const p of this.peers.values()) p.online = false;
  }

  /** The peer's record from the roster, else asked of the server (PeerRequest). */
  async record(name: string): Promise<PeerRecord> {
    const known = this.peers.get(name);
    if (known) return known;
    const reply = await this.deps.lookup({ body: { case: 'peerRequest', value: { name } } });
    if (reply.body.case !== 'peerInfo') throw new ClientError('UNKNOWN_PEER', `no user "${name}"`);
    const rec = await this.learnPeer(reply.body.value);
    if (!rec) throw new ClientError('UNKNOWN_PEER', `the server has no usable key for "${name}"`);
    return rec;
  }

  /** Every peer but us, with the key the server announces: the recipients of a message to all. */
  others(): { name: string; bundle: PublicBundle }[] {
    return [...this.peers.entries()].filter(([n]) => n !== this.deps.selfName).map(([name, r]) => ({ name, bundle: r.bundle }));
  }

  /** The bundle we trust for `name` when it differs from the roster's (a change not accepted yet). */
  async trustedBundle(name: string): Promise<PublicBundle | undefined> {
    const bytes = this.deps.saved.trust!.trustedBundle(name);
    if (!bytes) return undefined;
    try {
      return await parseBundle(bytes);
    } catch {
      return undefined;
    }
  }

  /** The fingerprint (hex) trusted for `name`, if it was ever seen. */
  trustedFingerprint(name: string): string | undefined {
    return this.deps.saved.trust!.trustedFingerprint(name);
  }

  /** Everyone registered as we know it, with their key's trust state, sorted by name. */
  list(): PeerView[] {
    return [...this.peers.keys()].map((name) => this.view(name)!).sort((a, b) => a.name.localeCompare(b.name));
  }

  private view(name: string): PeerView | undefined {
    const r = this.peers.get(name);
    if (!r) return undefined;
    const trustStore = this.deps.saved.trust;
    const isSelf = name === this.deps.selfName;
    const t = trustStore?.get(name);
    const blocked = !isSelf && !!trustStore?.isBlocked(name);
    const trust: PeerTrustState = isSelf ? 'self' : blocked ? 'changed' : t?.verified ? 'verified' : 'trusted';
    return {
      name, online: r.online, fingerprint: r.bundle.fingerprint, digits: fingerprintDigits(r.bundle.fingerprint), trust, isSelf,
      ...(blocked && t ? { trustedFingerprint: t.fingerprint } : {}),
    };
  }

  /** Asks the server for the roster (RosterRequest), learns it in wire order and returns it. */
  async who(): Promise<PeerView[]> {
    const reply = await this.deps.request({ body: { case: 'rosterRequest', value: {} } });
    if (reply.body.case !== 'roster') throw new ClientError('BAD_SERVER_FRAME', `the server answered a roster request with ${reply.body.case}`);
    const peers = reply.body.value.peers;
    await this.deps.queue.run(() => this.learnPeers(peers, true));
    this.deps.emit('roster', this.list());
    return this.list();
  }

  /** One peer, from the roster or asked of the server (PeerRequest); UNKNOWN_PEER when not registered. */
  async peer(name: string): Promise<PeerView> {
    let n: string;
    try {
      n = canonicalName(name);
    } catch (e) {
      throw new ClientError('NAME_INVALID', errorMessage(e));
    }
    if (!this.peers.has(n)) {
      if (!this.deps.online()) throw new ClientError('NOT_CONNECTED', 'not connected');
      await this.record(n);
    }
    return this.view(n)!;
  }

  /**
   * What to compare with `name` out of band: both fingerprints as digits and the
   * 60-digit safety number (the same on both sides). With a pending change,
   * `theirs` is the NEW key and `trusted` the old one.
   */
  async verification(name: string): Promise<{ mine: string; theirs: string; trusted?: string; safetyNumber: string; pendingChange: boolean; verified: boolean }> {
    const v = await this.peer(name);
    if (v.isSelf) throw new ClientError('BAD_RECIPIENT', 'that is you');
    const t = this.deps.saved.trust!.get(v.name);
    const me = this.deps.identity().bundle.fingerprint;
    return {
      mine: fingerprintDigits(me),
      theirs: v.digits,
      ...(v.trustedFingerprint ? { trusted: fingerprintDigits(fromHex(v.trustedFingerprint)) } : {}),
      safetyNumber: safetyNumber({ name: this.deps.selfName, fingerprint: me }, { name: v.name, fingerprint: v.fingerprint }),
      pendingChange: v.trust === 'changed',
      verified: v.trust === 'verified' || (!!t?.verified && v.trust !== 'changed'),
    };
  }

  /** Accepts the changed key `name` now announces; false when no change is pending. */
  acceptKey(name: string): boolean {
    const n = canonicalName(name);
    const rec = this.peers.get(n);
    const trust = this.deps.saved.trust;
    const pending = trust?.get(n)?.pending;
    if (!rec || !pending || pending !== toHex(rec.bundle.fingerprint)) return false;
    const ok = trust!.accept(n, rec.bundle.bytes);
    if (ok) {
      this.announced.delete(n);
      this.deps.emit('roster', this.list());
    }
    return ok;
  }

  /** Records that the user compared safety numbers with `name`; false while a change is pending. */
  markVerified(name: string, verified = true): boolean {
    const ok = !!this.deps.saved.trust?.markVerified(canonicalName(name), verified);
    if (ok) this.deps.emit('roster', this.list());
    return ok;
  }

  /** Those of `names` (canonical) whose key changed and the change is not accepted. */
  blocked(names: string[]): string[] {
    return names.filter((n) => this.deps.saved.trust!.isBlocked(n));
  }

  /** True while `name`'s key changed and the change is not accepted (sending is refused). */
  isBlocked(name: string): boolean {
    return !!this.deps.saved.trust?.isBlocked(canonicalName(name));
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);
}

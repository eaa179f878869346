import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { PeerInfoSchema, RosterSchema, ServerFrameSchema, WelcomeSchema } from '../protocol/index.js';
/** What a peer list shows of an account: its name and identity bundle (the record is the cache key). */
export interface PeerRecord {
  name: string;
  bundle: Uint8Array;
}

/** A registered name as a peer list shows it. */
export interface ListedPeer {
  record: PeerRecord;
  online: boolean;
}

// Every login gets a Welcome listing every registered peer: building it message by message cost
// milliseconds per login at a few thousand names. Each peer's list entry (tag, length, PeerInfo) is
// encoded once per record (the store makes a new record object when a name changes) and the list
// is copied together into one buffer; protobuf lets a length-delimited field carry an already
// encoded message as is, so the bytes are those protobuf-es would write.
type EntryCache = WeakMap<PeerRecord, { offline: Uint8Array; online: Uint8Array }>;

const field = {
  req: ServerFrameSchema.field.req!.number,
  welcome: ServerFrameSchema.field.welcome!.number,
  roster: ServerFrameSchema.field.roster!.number,
  welcomeName: WelcomeSchema.field.name!.number,
  welcomePeers: WelcomeSchema.field.peers!.number,
  welcomeServerTime: WelcomeSchema.field.serverTime!.number,
  welcomeKeyChanged: WelcomeSchema.field.keyChanged!.number,
  rosterPeers: RosterSchema.field.peers!.number,
};
// The entry's tag holds the field number, which differs between Welcome.peers and Roster.peers.
const welcomeEntries: EntryCache = new WeakMap();
const rosterEntries: EntryCache = new WeakMap();

function lengthDelimited(fieldNo: number, body: Uint8Array): Uint8Array {
  const head = new BinaryWriter().tag(fieldNo, WireType.LengthDelimited).uint32(body.byteLength).finish();
  const out = new Uint8Array(head.byteLength + body.byteLength);
  out.set(head);
  out.set(body, head.byteLength);
  return out;
}

function peerEntry(cache: EntryCache, fieldNo: number, { record, online }: ListedPeer): Uint8Array {
  let both = cache.get(record);
  if (!both) {
    const entry = (isOnline: boolean) =>
      lengthDelimited(fieldNo, toBinary(PeerInfoSchema, create(PeerInfoSchema, { name: record.name, bundle: record.bundle, online: isOnline })));
    both = { offline: entry(false), online: entry(true) };
    cache.set(record, both);
  }
  return online ? both.online : both.offline;
}

/** ServerFrame{req, BODY{head fields, peers…, tail fields}} in one allocation. */
function frameWithPeers(req: number, bodyField: number, head: Uint8Array, entries: Uint8Array[], tail: Uint8Array): Uint8Array {
  let bodyLength = head.byteLength + tail.byteLength;
  for (const e of entries) bodyLength += e.byteLength;
  const w = new BinaryWriter();
  if (req !== 0) w.tag(field.req, WireType.Varint).uint32(req);
  const prefix = w.tag(bodyField, WireType.LengthDelimited).uint32(bodyLength).finish();
  const out = new Uint8Array(prefix.byteLength + bodyLength);
  out.set(prefix);
  let at = prefix.byteLength;
  for (const part of [head, ...entries, tail]) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** ServerFrame{req, Welcome{name, peers, server_time, key_changed}}, the same bytes protobuf-es would write. */
export function encodeWelcomeFrame(req: number, name: string, peers: readonly ListedPeer[], serverTime: bigint, keyChanged: boolean): Uint8Array {
  const head = new BinaryWriter();
  if (name !== '') head.tag(field.welcomeName, WireType.LengthDelimited).string(name);
  const tail = new BinaryWriter();
  if (serverTime !== 0n) tail.tag(field.welcomeServerTime, WireType.Varint).uint64(serverTime);
  if (keyChanged) tail.tag(field.welcomeKeyChanged, WireType.Varint).bool(true);
  const entries = peers.map((p) => peerEntry(welcomeEntries, field.welcomePeers, p));
  return frameWithPeers(req, field.welcome, head.finish(), entries, tail.finish());
}

/** ServerFrame{req, Roster{peers}}: the answer to RosterRequest. */
export function encodeRosterFrame(req: number, peers: readonly ListedPeer[]): Uint8Array {
  const entries = peers.map((p) => peerEntry(rosterEntries, field.rosterPeers, p));
  return frameWithPeers(req, field.roster, new Uint8Array(), entries, new Uint8Array());
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeServerFrame, encodeServerFrame } from '../protocol/index.js';
import { encodeRosterFrame, encodeWelcomeFrame, type ListedPeer, type PeerRecord } from './peer-list-frames.js';

function record(name: string, size: number): PeerRecord {
  const bundle = new Uint8Array(size).map((_, i) => (i * 31 + name.length) & 0xff);
  return { name, bundle };
}

// Bundles of both suites' sizes, including one over 127 bytes (a two-byte length prefix) and an RSA-sized one.
const peers: ListedPeer[] = [
  { record: record('alice', 100), online: true },
  { record: record('bob', 130), online: false },
  { record: record('carol-rsa', 1100), online: true },
];
const plain = (list: ListedPeer[]) => list.map((p) => ({ name: p.record.name, bundle: p.record.bundle, online: p.online }));

test('the assembled Welcome is byte for byte what protobuf-es writes, and decodes the same', () => {
  for (const [req, keyChanged, list] of [[1, false, peers], [7, true, peers], [300, false, []], [0, false, peers.slice(1)]] as const) {
    const fast = encodeWelcomeFrame(req, 'dave', list, 1_764_000_000_000n, keyChanged);
    const reference = encodeServerFrame({ req, body: { case: 'welcome', value: { name: 'dave', peers: plain([...list]), serverTime: 1_764_000_000_000n, keyChanged } } });
    assert.deepEqual(fast, reference, `req ${req}`);
    const frame = decodeServerFrame(fast);
    assert.equal(frame.body.case, 'welcome');
    if (frame.body.case === 'welcome') assert.deepEqual(frame.body.value.peers.map((p) => [p.name, p.online]), list.map((p) => [p.record.name, p.online]));
  }
});

test('the assembled Roster equals protobuf-es, with online flags that follow presence, not the cache', () => {
  assert.deepEqual(encodeRosterFrame(4, peers), encodeServerFrame({ req: 4, body: { case: 'roster', value: { peers: plain(peers) } } }));
  const flipped = peers.map((p) => ({ ...p, online: !p.online }));
  assert.deepEqual(encodeRosterFrame(5, flipped), encodeServerFrame({ req: 5, body: { case: 'roster', value: { peers: plain(flipped) } } }));
});

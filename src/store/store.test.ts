import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS, openDatabase, type SqliteDatabase } from './database.js';
import { readInstanceId } from './instance-id.js';
import { SqliteAccountStore, v1DeviceId } from './account-store.js';
import { QUEUE_KIND, SqliteDeviceQueueStore, type QueueMessageInput } from './device-queue-store.js';
import { SqliteKeyPackageStore } from './key-package-store.js';
import { CONVERSATION_KIND, SqliteConversationStore } from './conversation-store.js';
import { isStoreError } from './store-error.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const fp = (n: number) => new Uint8Array(32).fill(n);
const id16 = (n: number) => new Uint8Array(16).fill(n);

function open(t: { after: (fn: () => void) => void }): { db: SqliteDatabase; path: string } {
  const path = join(tempDir(t), 'db.sqlite');
  const db = openDatabase(path);
  t.after(() => {
    if (db.open) db.close();
  });
  return { db, path };
}

/** Accounts alice (v1), bob (v2 with two devices) and carol (v1). */
function people(db: SqliteDatabase) {
  const accounts = new SqliteAccountStore(db);
  const alice = accounts.create({ name: 'alice', bundle: new Uint8Array([1]), fingerprint: fp(1), now: 1 });
  const bob = accounts.create({
    name: 'bob', bundle: new Uint8Array([2]), fingerprint: fp(2), now: 2,
    deviceList: { bytes: new Uint8Array([7]), version: 1, devices: [{ id: id16(21), key: fp(21), addedAt: 2 }, { id: id16(22), key: fp(22), addedAt: 3 }] },
  });
  const carol = accounts.create({ name: 'carol', bundle: new Uint8Array([3]), fingerprint: fp(3), now: 3 });
  return { accounts, alice, bob, carol };
}

let nextId = 0;
function message(sender: string, devices: { device: Uint8Array; seq: number }[], bytes = 100, now = 10): QueueMessageInput {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, ++nextId);
  return {
    sender, senderDevice: undefined, id, kind: QUEUE_KIND.envelope, toAll: devices.length > 1, conversation: undefined, meta: undefined,
    payload: new Uint8Array(bytes).fill(7), now, ttlMs: 1000, deliveries: devices,
  };
}

test('accounts: a v1 account has one v1 device; a v2 account the devices of its list', (t) => {
  const { db } = open(t);
  const { accounts, alice, bob } = people(db);
  assert.equal(alice.devices.length, 1);
  assert.equal(alice.devices[0]!.v1, true);
  assert.deepEqual(alice.devices[0]!.id, v1DeviceId(fp(1)));
  assert.equal(alice.deviceList, undefined);
  assert.deepEqual(bob.devices.map((d) => d.idHex), [Buffer.from(id16(21)).toString('hex'), Buffer.from(id16(22)).toString('hex')]);
  assert.equal(bob.deviceListVersion, 1);
  assert.deepEqual(accounts.namesWithFingerprint(fp(2)), ['bob']);
  assert.equal(accounts.device(id16(22))?.account, 'bob');
  assert.equal(accounts.get('nobody'), undefined);
  assert.equal(accounts.count(), 3);
});

test('accounts: a newer device list drops the devices it no longer names, with their queues and key packages', (t) => {
  const { db } = open(t);
  const { accounts } = people(db);
  const queue = new SqliteDeviceQueueStore(db);
  const kps = new SqliteKeyPackageStore(db);
  queue.commit({ stores: [message('alice', [{ device: id16(21), seq: 1 }, { device: id16(22), seq: 2 }])], acks: [] });
  kps.upload(id16(22), [new Uint8Array([1])], undefined, 1, 10);
  const removed = accounts.setDeviceList('bob', { bytes: new Uint8Array([8]), version: 2, devices: [{ id: id16(21), key: fp(21), addedAt: 2 }, { id: id16(23), key: fp(23), addedAt: 9 }] }, 10);
  assert.deepEqual(removed.map((d) => d.id), [id16(22)]);
  assert.deepEqual(accounts.get('bob')!.devices.map((d) => d.id), [id16(21), id16(23)]);
  assert.equal(accounts.get('bob')!.deviceListVersion, 2);
  assert.equal(queue.page(id16(22), 0, 1e6, 10).items.length, 0, 'the removed device\'s queue is gone');
  assert.equal(queue.page(id16(21), 0, 1e6, 10).items.length, 1, 'the others keep theirs');
  assert.equal(kps.status(id16(22)).remaining, 0);
});

test('accounts: rotation keeps the devices and their queues; an operator\'s rebinding replaces them', (t) => {
  const { db } = open(t);
  const { accounts, alice } = people(db);
  const queue = new SqliteDeviceQueueStore(db);
  queue.commit({ stores: [message('bob', [{ device: alice.devices[0]!.id, seq: 5 }])], acks: [] });
  const rotated = accounts.rotate('alice', new Uint8Array([9]), fp(9), 20);
  assert.deepEqual(rotated.fingerprint, fp(9));
  assert.deepEqual(rotated.devices.map((d) => d.id), [alice.devices[0]!.id], 'the v1 device stays');
  assert.equal(queue.page(alice.devices[0]!.id, 0, 1e6, 10).items.length, 1, 'mail sealed to the old key is still there');
  assert.equal(accounts.markReset('alice', 21), true);
  assert.equal(accounts.get('alice')!.reset, true);
  const rebound = accounts.rebind('alice', new Uint8Array([10]), fp(10), 22);
  assert.equal(rebound.reset, false);
  assert.deepEqual(rebound.devices.map((d) => d.id), [v1DeviceId(fp(10))]);
  assert.equal(queue.page(alice.devices[0]!.id, 0, 1e6, 10).items.length, 0, 'the old key\'s mail went with its device');
});

test('accounts: a change made by another process (sealcast admin) is seen; unused registrations expire', async (t) => {
  const { db, path } = open(t);
  const { accounts } = people(db);
  assert.equal(accounts.get('alice')?.reset, false, 'cached now');
  const adminDb = openDatabase(path);
  assert.equal(new SqliteAccountStore(adminDb).markReset('alice', 2), true);
  adminDb.close();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(accounts.get('alice')?.reset, true, 'the reset is seen');
  accounts.touchLogin('carol', 50);
  assert.deepEqual(accounts.unusedBefore(40, '', 10), ['bob'], 'never used again after registering, older than the cut-off; alice waits for her reset');
  assert.deepEqual(accounts.unusedBefore(40, 'bob', 10), [], 'after the name given');
  assert.deepEqual(accounts.unusedBefore(40, '', 0), [], 'at most limit');
  assert.deepEqual(accounts.list().map((a) => a.name), ['alice', 'bob', 'carol'], 'a query only: the server removes');
});

test('device queues: stored once, paged in order within bytes, acknowledged by seq, expired', (t) => {
  const { db } = open(t);
  const { alice, carol } = people(db);
  const q = new SqliteDeviceQueueStore(db);
  const a = alice.devices[0]!.id;
  const c = carol.devices[0]!.id;
  const first = q.reserveSeqs(100);
  const m1 = message('bob', [{ device: a, seq: first }, { device: c, seq: first + 1 }], 300);
  const m2 = message('bob', [{ device: a, seq: first + 2 }], 300);
  const m3 = message('carol', [{ device: a, seq: first + 3 }], 300);
  q.commit({ stores: [m1, m2, m3], acks: [] });
  assert.deepEqual(q.counts(), { messages: 3, deliveries: 4 }, 'the to-all message is stored once');
  assert.deepEqual(q.page(a, 0, 1e6, 10), { items: q.page(a, 0, 1e6, 10).items, more: false });
  assert.deepEqual(q.page(a, 0, 1e6, 10).items.map((i) => i.seq), [first, first + 2, first + 3]);
  assert.deepEqual(q.page(a, 0, 500, 10).items.map((i) => i.seq), [first], 'bounded by bytes');
  assert.equal(q.page(a, 0, 500, 10).more, true);
  assert.deepEqual(q.page(a, 0, 10, 10).items.map((i) => i.seq), [first], 'at least one item, however large');
  assert.deepEqual(q.page(a, first, 1e6, 1).items.map((i) => i.seq), [first + 2], 'after a seq, bounded by count');
  assert.equal(q.page(a, first, 1e6, 1).more, true);
  assert.equal(q.page(a, first + 2, 1e6, 1).more, false);
  assert.equal(q.findById(a, m2.id)?.seq, first + 2);
  assert.equal(q.holdsIdFromOther(a, m2.id, 'bob'), false);
  assert.equal(q.holdsIdFromOther(a, m2.id, 'mallory'), true);
  assert.equal(q.has('bob', m1.id), true);
  assert.equal(q.bytesByDevice().get(Buffer.from(a).toString('hex')), 900);
  assert.equal(q.bytesBySender().get('bob'), 900, 'charged per device copy');
  assert.deepEqual(q.heldFrom('bob').map((h) => h.account), ['alice', 'carol', 'alice']);
  q.commit({ stores: [], acks: [first] });
  assert.equal(q.has('bob', m1.id), true, 'carol still holds it');
  q.commit({ stores: [], acks: [first + 1] });
  assert.equal(q.has('bob', m1.id), false, 'gone with its last copy');
  assert.deepEqual(q.findSeq(a, first + 3), { sender: 'carol', id: m3.id, bytes: 300, kind: QUEUE_KIND.envelope, conversation: undefined });
  assert.equal(q.expire(5000), 2);
  assert.deepEqual(q.counts(), { messages: 0, deliveries: 0 });
});

test('device queues: sequence numbers are never handed out twice, across reopening', (t) => {
  const { db, path } = open(t);
  const q = new SqliteDeviceQueueStore(db);
  const a = q.reserveSeqs(10);
  const b = q.reserveSeqs(10);
  assert.equal(b, a + 10);
  db.close();
  const again = openDatabase(path);
  t.after(() => again.close());
  assert.ok(new SqliteDeviceQueueStore(again).reserveSeqs(1) >= b + 10);
});

test('device queues: a copy for a device that no longer exists is not stored, nor its message', (t) => {
  const { db } = open(t);
  people(db);
  const q = new SqliteDeviceQueueStore(db);
  q.commit({ stores: [message('bob', [{ device: id16(99), seq: 1 }])], acks: [] });
  assert.deepEqual(q.counts(), { messages: 0, deliveries: 0 });
});

test('key packages: bounded per device, claimed oldest first and once, then the last-resort one', (t) => {
  const { db } = open(t);
  people(db);
  const kp = new SqliteKeyPackageStore(db);
  const d = id16(21);
  assert.deepEqual(kp.upload(d, [1, 2, 3].map((n) => new Uint8Array([n])), undefined, 1, 2), { accepted: 2 });
  assert.deepEqual(kp.status(d), { remaining: 2, lastResort: false });
  kp.upload(d, [], new Uint8Array([9]), 2, 2);
  assert.deepEqual(kp.claim(d), { data: new Uint8Array([1]), lastResort: false });
  assert.deepEqual(kp.claim(d), { data: new Uint8Array([2]), lastResort: false });
  assert.deepEqual(kp.claim(d), { data: new Uint8Array([9]), lastResort: true });
  assert.deepEqual(kp.claim(d), { data: new Uint8Array([9]), lastResort: true }, 'the last-resort package is never used up');
  kp.upload(d, [], new Uint8Array([10]), 3, 2);
  assert.deepEqual(kp.claim(d), { data: new Uint8Array([10]), lastResort: true }, 'replaced by a newer one');
  assert.equal(kp.claim(id16(22)), undefined);
});

test('conversations: one direct conversation per pair, epochs advance by compare-and-set, members and contacts', (t) => {
  const { db } = open(t);
  people(db);
  const cs = new SqliteConversationStore(db);
  const room = cs.create({ id: id16(1), kind: CONVERSATION_KIND.room, title: 'Ops', creator: 'bob', members: [{ name: 'bob', admin: true }], now: 1 });
  assert.equal(room.epoch, 0);
  cs.create({ id: id16(2), kind: CONVERSATION_KIND.direct, title: '', creator: 'alice', members: [{ name: 'alice', admin: true }], now: 2, peer: 'carol' });
  assert.deepEqual(cs.direct('carol', 'alice')?.pair, ['alice', 'carol']);
  assert.equal(cs.advance(id16(2), 0, new Uint8Array([1]), ['carol'], [], 2), true, 'carol comes in with the first commit');
  assert.throws(() => cs.create({ id: id16(3), kind: CONVERSATION_KIND.direct, title: '', creator: 'carol', members: [{ name: 'carol', admin: true }], now: 3, peer: 'alice' }));
  assert.equal(cs.advance(id16(1), 0, new Uint8Array([1]), ['alice', 'carol'], [], 4), true);
  assert.equal(cs.advance(id16(1), 0, new Uint8Array([2]), ['carol'], [], 5), false, 'a second commit for epoch 0 loses');
  const after = cs.get(id16(1))!;
  assert.equal(after.epoch, 1);
  assert.deepEqual(after.groupInfo, new Uint8Array([1]));
  assert.deepEqual([...after.members.keys()].sort(), ['alice', 'bob', 'carol']);
  assert.equal(after.members.get('bob')!.admin, true);
  assert.equal(cs.advance(id16(1), 1, new Uint8Array([3]), [], ['carol'], 6), true);
  assert.deepEqual(cs.contactsOf('carol'), ['alice'], 'carol left the room; the direct conversation remains');
  assert.deepEqual(cs.contactsOf('bob'), ['alice']);
  cs.rename(id16(1), 'Ops team', 7);
  assert.equal(cs.get(id16(1))!.title, 'Ops team');
  assert.deepEqual(cs.conversationsOf('alice').map((b) => b[0]), [1, 2]);
  cs.create({ id: id16(4), kind: CONVERSATION_KIND.everyone, title: 'Everyone', creator: '', members: [], now: 8 });
  cs.join(id16(4), 'carol', 9);
  assert.deepEqual([...cs.everyone()!.members.keys()], ['carol']);
  assert.deepEqual(cs.contactsOf('carol'), ['alice'], 'Everyone does not make contacts');
});

test('migration from schema 1: every identity becomes an account with one v1 device; stored mail keeps its order and numbers', (t) => {
  const path = join(tempDir(t), 'v1.sqlite');
  const old = new Database(path);
  old.pragma('journal_mode = WAL');
  old.exec(MIGRATIONS[1]!);
  old.pragma('user_version = 1');
  const ins = old.prepare('INSERT INTO identities (name, bundle, fingerprint, created_at, updated_at, reset) VALUES (?, ?, ?, ?, ?, 0)');
  ins.run('alice', Buffer.from([1]), Buffer.from(fp(1)), 1, 1);
  ins.run('bob', Buffer.from([2]), Buffer.from(fp(2)), 2, 2);
  const msg = old.prepare('INSERT INTO messages (sender, id, to_all, envelope, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  const del = old.prepare('INSERT INTO deliveries (seq, mid, recipient, bytes) VALUES (?, ?, ?, ?)');
  const m1 = msg.run('alice', Buffer.from(id16(1)), 0, Buffer.alloc(10, 1), 5, 1e12).lastInsertRowid;
  const m2 = msg.run('alice', Buffer.from(id16(2)), 1, Buffer.alloc(20, 2), 6, 1e12).lastInsertRowid;
  del.run(40, m1, 'bob', 10);
  del.run(41, m2, 'bob', 20);
  del.run(42, m2, 'ghost', 20);
  old.close();

  const db = openDatabase(path);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 4);
  assert.match(readInstanceId(db) ?? '', /^[0-9a-f]{32}$/, 'a registry from before instance ids adopts one');
  const accounts = new SqliteAccountStore(db);
  const bob = accounts.get('bob')!;
  assert.deepEqual(bob.devices.map((d) => [d.v1, d.id]), [[true, v1DeviceId(fp(2))]]);
  const q = new SqliteDeviceQueueStore(db);
  const { items } = q.page(bob.devices[0]!.id, 0, 1e6, 10);
  assert.deepEqual(items.map((i) => [i.seq, i.sender, i.payload.byteLength, i.toAll]), [[40, 'alice', 10, false], [41, 'alice', 20, true]]);
  assert.ok(q.reserveSeqs(1) > 42, 'new numbers come after every old one');
});

test('a truncated or corrupted database is refused with CORRUPT_DATABASE, file left untouched', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'db.sqlite');
  const db = openDatabase(path);
  const { carol } = people(db);
  const q = new SqliteDeviceQueueStore(db);
  for (let i = 0; i < 200; i++) q.commit({ stores: [{ ...message('a', [{ device: carol.devices[0]!.id, seq: i + 1 }], 2000), now: 1, ttlMs: 1e9 }], acks: [] });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();

  const corrupted = join(dir, 'corrupt.sqlite');
  const bytes = readFileSync(path);
  for (let i = 4096; i < bytes.length; i += 1024) bytes[i] ^= 0xff;
  writeFileSync(corrupted, bytes);
  assert.throws(() => openDatabase(corrupted), (e) => isStoreError(e, 'CORRUPT_DATABASE') && e.message.includes(corrupted));
  assert.deepEqual(readFileSync(corrupted), bytes, 'the damaged file is not rewritten');

  const truncated = join(dir, 'truncated.sqlite');
  writeFileSync(truncated, readFileSync(path));
  truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
  assert.throws(() => openDatabase(truncated), (e) => isStoreError(e, 'CORRUPT_DATABASE'));

  const garbage = join(dir, 'garbage.sqlite');
  writeFileSync(garbage, 'this is not a database at all, just text that is long enough to matter'.repeat(100));
  assert.throws(() => openDatabase(garbage), (e) => isStoreError(e, 'CORRUPT_DATABASE'));
});

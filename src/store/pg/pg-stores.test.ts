// The behaviours store.test.ts checks on SQLite, on PostgreSQL: same inputs, same answers, except
// where the cluster store differs on purpose (it numbers each device's queue itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { v1DeviceId } from '../account-store.js';
import type { QueueAppend } from '../async-stores.js';
import { CONVERSATION_KIND } from '../conversation-store.js';
import { QUEUE_KIND } from '../device-queue-store.js';
import type { PgDatabase } from './pg-database.js';
import { PgAccountStore } from './pg-account-store.js';
import { PgDeviceQueueStore } from './pg-device-queue-store.js';
import { PgKeyPackageStore } from './pg-key-package-store.js';
import { PgConversationStore } from './pg-conversation-store.js';
import { createTestDatabase } from './pg-test-database.js';

const fp = (n: number) => new Uint8Array(32).fill(n);
const id16 = (n: number) => new Uint8Array(16).fill(n);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function open(t: Parameters<typeof createTestDatabase>[0]): Promise<PgDatabase> {
  return (await createTestDatabase(t)).open();
}

/** Accounts alice (v1), bob (v2 with two devices) and carol (v1). */
async function people(db: PgDatabase) {
  const accounts = new PgAccountStore(db);
  const alice = await accounts.create({ name: 'alice', bundle: new Uint8Array([1]), fingerprint: fp(1), now: 1 });
  const bob = await accounts.create({
    name: 'bob', bundle: new Uint8Array([2]), fingerprint: fp(2), now: 2,
    deviceList: { bytes: new Uint8Array([7]), version: 1, devices: [{ id: id16(21), key: fp(21), addedAt: 2 }, { id: id16(22), key: fp(22), addedAt: 3 }] },
  });
  const carol = await accounts.create({ name: 'carol', bundle: new Uint8Array([3]), fingerprint: fp(3), now: 3 });
  return { accounts, alice, bob, carol };
}

let nextId = 0;
function message(sender: string, devices: Uint8Array[], bytes = 100, now = 10): QueueAppend {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, ++nextId);
  return {
    sender, senderDevice: undefined, id, kind: QUEUE_KIND.envelope, toAll: devices.length > 1, conversation: undefined, meta: undefined,
    payload: new Uint8Array(bytes).fill(7), now, ttlMs: 1000, devices,
  };
}

test('pg accounts: a v1 account has one v1 device; a v2 account the devices of its list', async (t) => {
  const db = await open(t);
  const { accounts, alice, bob } = await people(db);
  assert.equal(alice.devices.length, 1);
  assert.equal(alice.devices[0]!.v1, true);
  assert.deepEqual(alice.devices[0]!.id, v1DeviceId(fp(1)));
  assert.equal(alice.deviceList, undefined);
  assert.deepEqual(bob.devices.map((d) => d.idHex), [hex(id16(21)), hex(id16(22))]);
  assert.equal(bob.deviceListVersion, 1);
  assert.deepEqual(await accounts.namesWithFingerprint(fp(2)), ['bob']);
  assert.equal((await accounts.device(id16(22)))?.account, 'bob');
  assert.equal(await accounts.get('nobody'), undefined);
  assert.equal(await accounts.count(), 3);
  await assert.rejects(accounts.create({ name: 'bob', bundle: new Uint8Array([2]), fingerprint: fp(2), now: 4 }), /duplicate key/);
});

test('pg accounts: a newer device list drops the devices it no longer names, with their queues and key packages', async (t) => {
  const db = await open(t);
  const { accounts } = await people(db);
  const queue = new PgDeviceQueueStore(db);
  const kps = new PgKeyPackageStore(db);
  await queue.commit({ stores: [message('alice', [id16(21), id16(22)])], acks: [] });
  await kps.upload(id16(22), [new Uint8Array([1])], undefined, 1, 10);
  const removed = await accounts.setDeviceList('bob', { bytes: new Uint8Array([8]), version: 2, devices: [{ id: id16(21), key: fp(21), addedAt: 2 }, { id: id16(23), key: fp(23), addedAt: 9 }] }, 10);
  assert.deepEqual(removed.map((d) => d.id), [id16(22)]);
  assert.deepEqual((await accounts.get('bob'))!.devices.map((d) => d.id), [id16(21), id16(23)]);
  assert.equal((await accounts.get('bob'))!.deviceListVersion, 2);
  assert.equal((await queue.page(id16(22), 0, 1e6, 10)).items.length, 0, 'the removed device\'s queue is gone');
  assert.equal((await queue.page(id16(21), 0, 1e6, 10)).items.length, 1, 'the others keep theirs');
  assert.equal((await kps.status(id16(22))).remaining, 0);
});

test('pg accounts: a v1 account\'s first device list moves its queue, numbers and counter, to its first v2 device', async (t) => {
  const db = await open(t);
  const { accounts, alice } = await people(db);
  const queue = new PgDeviceQueueStore(db);
  const v1 = alice.devices[0]!.id;
  await queue.commit({ stores: [message('bob', [v1]), message('bob', [v1])], acks: [] });
  await accounts.setDeviceList('alice', { bytes: new Uint8Array([1]), version: 1, devices: [{ id: id16(11), key: fp(11), addedAt: 5 }] }, 5);
  assert.deepEqual((await queue.page(id16(11), 0, 1e6, 10)).items.map((i) => i.seq), [1, 2]);
  const [next] = await queue.commit({ stores: [message('bob', [id16(11)])], acks: [] });
  assert.deepEqual(next!.deliveries.map((d) => d.seq), [3], 'new numbers follow the moved ones');
});

test('pg accounts: rotation keeps the devices and their queues; an operator\'s rebinding replaces them; unused registrations expire', async (t) => {
  const db = await open(t);
  const { accounts, alice } = await people(db);
  const queue = new PgDeviceQueueStore(db);
  await queue.commit({ stores: [message('bob', [alice.devices[0]!.id])], acks: [] });
  const rotated = await accounts.rotate('alice', new Uint8Array([9]), fp(9), 20);
  assert.deepEqual(rotated.fingerprint, fp(9));
  assert.deepEqual(rotated.devices.map((d) => d.id), [alice.devices[0]!.id], 'the v1 device stays');
  assert.equal((await queue.page(alice.devices[0]!.id, 0, 1e6, 10)).items.length, 1, 'mail sealed to the old key is still there');
  assert.equal(await accounts.markReset('alice', 21, { codeHash: new Uint8Array([5]), expiresAt: 99 }), true);
  assert.equal(await accounts.markReset('nobody', 21), false);
  const reset = (await accounts.get('alice'))!;
  assert.deepEqual([reset.reset, reset.resetCodeHash, reset.resetExpiresAt, reset.devices.length], [true, new Uint8Array([5]), 99, 0]);
  const rebound = await accounts.rebind('alice', new Uint8Array([10]), fp(10), 22);
  assert.equal(rebound.reset, false);
  assert.equal(rebound.resetCodeHash, undefined);
  assert.deepEqual(rebound.devices.map((d) => d.id), [v1DeviceId(fp(10))]);
  assert.equal((await queue.page(alice.devices[0]!.id, 0, 1e6, 10)).items.length, 0, 'the old key\'s mail went with its device');

  await accounts.touchLogin('carol', 50);
  assert.equal((await accounts.get('carol'))!.logins, 2);
  assert.deepEqual(await accounts.unusedBefore(40, '', 100), ['alice', 'bob'], 'never used again after registering, and older than the cut-off');
  assert.deepEqual(await accounts.unusedBefore(40, 'alice', 1), ['bob'], 'paged by name');
  await accounts.markReset('bob', 41);
  assert.deepEqual(await accounts.unusedBefore(40, '', 100), ['alice'], 'an operator reset waits for its new key, not for expiry');
  for (const name of ['alice', 'bob']) await accounts.remove(name);
  assert.deepEqual((await accounts.list()).map((a) => [a.name, a.devices.length]), [['carol', 1]]);
  assert.deepEqual((await accounts.addV1Device('carol', 60)).id, v1DeviceId(fp(3)), 'already there: the same device');
});

test('pg device queues: stored once, numbered per device, paged in order within bytes, acknowledged by (device, seq), expired', async (t) => {
  const db = await open(t);
  const { alice, carol } = await people(db);
  const q = new PgDeviceQueueStore(db);
  const a = alice.devices[0]!.id;
  const c = carol.devices[0]!.id;
  const m1 = message('bob', [a, c], 300);
  const m2 = message('bob', [a], 300);
  const m3 = message('carol', [a], 300);
  const stored = await q.commit({ stores: [m1, m2, m3, { ...m1 }], acks: [] });
  assert.deepEqual(stored.map((s) => [s.duplicate, s.deliveries.map((d) => [hex(d.device), d.seq])]), [
    [false, [[hex(a), 1], [hex(c), 1]]], [false, [[hex(a), 2]]], [false, [[hex(a), 3]]], [true, []],
  ], 'each device counts its own queue; the repeated (sender, id) is refused by the unique key');
  assert.deepEqual(await q.counts(), { messages: 3, deliveries: 4 }, 'the to-all message is stored once');
  assert.deepEqual((await q.page(a, 0, 1e6, 10)).items.map((i) => i.seq), [1, 2, 3]);
  assert.equal((await q.page(a, 0, 1e6, 10)).more, false);
  const first = (await q.page(a, 0, 1e6, 10)).items[0]!;
  assert.deepEqual([first.sender, first.id, first.toAll, first.payload.byteLength, first.storedAt, first.expiresAt], ['bob', m1.id, true, 300, 10, 1010]);
  assert.deepEqual((await q.page(a, 0, 500, 10)).items.map((i) => i.seq), [1], 'bounded by bytes');
  assert.equal((await q.page(a, 0, 500, 10)).more, true);
  assert.deepEqual((await q.page(a, 0, 10, 10)).items.map((i) => i.seq), [1], 'at least one item, however large');
  assert.deepEqual((await q.page(a, 1, 1e6, 1)).items.map((i) => i.seq), [2], 'after a seq, bounded by count');
  assert.equal((await q.page(a, 1, 1e6, 1)).more, true);
  assert.equal((await q.page(a, 2, 1e6, 1)).more, false);
  assert.equal((await q.findById(a, m2.id))?.seq, 2);
  assert.equal(await q.holdsIdFromOther(a, m2.id, 'bob'), false);
  assert.equal(await q.holdsIdFromOther(a, m2.id, 'mallory'), true);
  assert.equal(await q.has('bob', m1.id), true);
  assert.equal((await q.bytesByDevice()).get(hex(a)), 900);
  assert.equal((await q.bytesBySender()).get('bob'), 900, 'charged per device copy');
  assert.deepEqual((await q.heldFrom('bob')).map((h) => h.account), ['alice', 'carol', 'alice']);
  await q.commit({ stores: [], acks: [{ device: a, seq: 1 }] });
  assert.equal(await q.has('bob', m1.id), true, 'carol still holds it');
  await q.commit({ stores: [], acks: [{ device: a, seq: 2 }] });
  assert.equal((await q.findSeq(c, 1))?.sender, 'bob', 'an ack names its device: carol\'s seq 1 is not alice\'s');
  await q.commit({ stores: [], acks: [{ device: c, seq: 1 }] });
  assert.equal(await q.has('bob', m1.id), false, 'gone with its last copy');
  assert.deepEqual(await q.findSeq(a, 3), { sender: 'carol', id: m3.id, bytes: 300, kind: QUEUE_KIND.envelope, conversation: undefined });
  assert.equal(await q.expire(5000), 1);
  assert.deepEqual(await q.counts(), { messages: 0, deliveries: 0 });
});

test('pg device queues: a copy for a device that no longer exists is not stored, nor its message', async (t) => {
  const db = await open(t);
  const { alice } = await people(db);
  const q = new PgDeviceQueueStore(db);
  const [r] = await q.commit({ stores: [message('bob', [id16(99)])], acks: [] });
  assert.deepEqual(r, { duplicate: false, deliveries: [] });
  const [s] = await q.commit({ stores: [message('bob', [id16(99), alice.devices[0]!.id])], acks: [] });
  assert.deepEqual(s!.deliveries.map((d) => hex(d.device)), [alice.devices[0]!.idHex], 'the existing device still gets its copy');
  assert.deepEqual(await q.counts(), { messages: 1, deliveries: 1 });
});

test('pg key packages: bounded per device, claimed oldest first and once, then the last-resort one', async (t) => {
  const db = await open(t);
  await people(db);
  const kp = new PgKeyPackageStore(db);
  const d = id16(21);
  assert.deepEqual(await kp.upload(d, [1, 2, 3].map((n) => new Uint8Array([n])), undefined, 1, 2), { accepted: 2 });
  assert.deepEqual(await kp.status(d), { remaining: 2, lastResort: false });
  await kp.upload(d, [], new Uint8Array([9]), 2, 2);
  assert.deepEqual(await kp.claim(d), { data: new Uint8Array([1]), lastResort: false });
  assert.deepEqual(await kp.claim(d), { data: new Uint8Array([2]), lastResort: false });
  assert.deepEqual(await kp.claim(d), { data: new Uint8Array([9]), lastResort: true });
  assert.deepEqual(await kp.claim(d), { data: new Uint8Array([9]), lastResort: true }, 'the last-resort package is never used up');
  await kp.upload(d, [], new Uint8Array([10]), 3, 2);
  assert.deepEqual(await kp.claim(d), { data: new Uint8Array([10]), lastResort: true }, 'replaced by a newer one');
  assert.deepEqual(await kp.status(d), { remaining: 0, lastResort: true });
  assert.equal(await kp.claim(id16(22)), undefined);
});

test('pg conversations: one direct conversation per pair, epochs advance by compare-and-set, members, contacts, handshake log', async (t) => {
  const db = await open(t);
  await people(db);
  const cs = new PgConversationStore(db);
  const room = await cs.create({ id: id16(1), kind: CONVERSATION_KIND.room, title: 'Ops', creator: 'bob', members: [{ name: 'bob', admin: true }], now: 1 });
  assert.equal(room.epoch, 0);
  await cs.create({ id: id16(2), kind: CONVERSATION_KIND.direct, title: '', creator: 'alice', members: [{ name: 'alice', admin: true }], now: 2, peer: 'carol' });
  assert.deepEqual((await cs.direct('carol', 'alice'))?.pair, ['alice', 'carol']);
  assert.equal(await cs.advance(id16(2), 0, new Uint8Array([1]), ['carol'], [], 2), true, 'carol comes in with the first commit');
  await assert.rejects(cs.create({ id: id16(3), kind: CONVERSATION_KIND.direct, title: '', creator: 'carol', members: [{ name: 'carol', admin: true }], now: 3, peer: 'alice' }));
  assert.equal(await cs.advance(id16(1), 0, new Uint8Array([1]), ['alice', 'carol'], [], 4, new Uint8Array([0xc0])), true);
  assert.equal(await cs.advance(id16(1), 0, new Uint8Array([2]), ['carol'], [], 5, new Uint8Array([0xc1])), false, 'a second commit for epoch 0 loses');
  const after = (await cs.get(id16(1)))!;
  assert.equal(after.epoch, 1);
  assert.deepEqual(after.groupInfo, new Uint8Array([1]));
  assert.deepEqual([...after.members.keys()].sort(), ['alice', 'bob', 'carol']);
  assert.equal(after.members.get('bob')!.admin, true);
  assert.equal(await cs.advance(id16(1), 1, new Uint8Array([3]), [], ['carol'], 6, new Uint8Array([0xc2])), true);
  assert.deepEqual((await cs.handshakes(id16(1), -1, 10)).map((h) => [h.epoch, h.message[0]]), [[0, 0xc0], [1, 0xc2]], 'the winners only, in epoch order');
  assert.deepEqual((await cs.handshakes(id16(1), 0, 10)).map((h) => h.epoch), [1]);
  assert.deepEqual(await cs.contactsOf('carol'), ['alice'], 'carol left the room; the direct conversation remains');
  assert.deepEqual(await cs.contactsOf('bob'), ['alice']);
  await cs.rename(id16(1), 'Ops team', 7);
  assert.equal((await cs.get(id16(1)))!.title, 'Ops team');
  assert.deepEqual((await cs.conversationsOf('alice')).map((b) => b[0]), [1, 2]);
  await cs.create({ id: id16(4), kind: CONVERSATION_KIND.everyone, title: 'Everyone', creator: '', members: [], now: 8 });
  await cs.join(id16(4), 'carol', 9);
  assert.deepEqual([...(await cs.everyone())!.members.keys()], ['carol']);
  assert.deepEqual(await cs.contactsOf('carol'), ['alice'], 'Everyone does not make contacts');
});

// One scenario through the async interfaces of both stores: the SQLite one (wrapped, one node) and
// the PostgreSQL one (the cluster). Same inputs must give the same answers, with sequence numbers
// compared by their order in each device's queue (SQLite's are global, PostgreSQL's per device).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteAccountStore } from './account-store.js';
import { AsyncSqliteDeviceQueueStore, promised } from './async-sqlite.js';
import type { AsyncAccountStore, AsyncConversationStore, AsyncDeviceQueueStore, AsyncKeyPackageStore, QueueAppend } from './async-stores.js';
import { CONVERSATION_KIND, SqliteConversationStore } from './conversation-store.js';
import { openDatabase } from './database.js';
import { QUEUE_KIND, SqliteDeviceQueueStore } from './device-queue-store.js';
import { SqliteKeyPackageStore } from './key-package-store.js';
import { PgAccountStore, PgConversationStore, PgDeviceQueueStore, PgKeyPackageStore } from './pg/index.js';
import { createTestDatabase } from './pg/pg-test-database.js';

interface Stores {
  accounts: AsyncAccountStore;
  queue: AsyncDeviceQueueStore;
  kps: AsyncKeyPackageStore;
  conversations: AsyncConversationStore;
}
type T = Parameters<typeof createTestDatabase>[0];

function sqlite(t: T): Stores {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-contract-'));
  const db = openDatabase(join(dir, 'db.sqlite'));
  t.after(async () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    accounts: promised(new SqliteAccountStore(db)), queue: new AsyncSqliteDeviceQueueStore(new SqliteDeviceQueueStore(db)),
    kps: promised(new SqliteKeyPackageStore(db)), conversations: promised(new SqliteConversationStore(db)),
  };
}

async function postgres(t: T): Promise<Stores> {
  const db = await (await createTestDatabase(t)).open();
  return { accounts: new PgAccountStore(db), queue: new PgDeviceQueueStore(db), kps: new PgKeyPackageStore(db), conversations: new PgConversationStore(db) };
}

const fp = (n: number) => new Uint8Array(32).fill(n);
const id16 = (n: number) => new Uint8Array(16).fill(n);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function message(sender: string, n: number, devices: Uint8Array[], bytes = 50): QueueAppend {
  return {
    sender, senderDevice: id16(n), id: id16(n), kind: QUEUE_KIND.mls, toAll: false, conversation: id16(1), meta: new Uint8Array([n]),
    payload: new Uint8Array(bytes).fill(n), now: 100, ttlMs: 1000, devices,
  };
}

/** Runs the scenario; returns what was answered, with numbers replaced by their rank per device. */
async function scenario(s: Stores): Promise<unknown[]> {
  const out: unknown[] = [];
  const rank = new Map<string, number[]>();
  const r = (device: Uint8Array, seq: number) => {
    const list = rank.get(hex(device)) ?? [];
    if (!list.includes(seq)) list.push(seq);
    rank.set(hex(device), list);
    return `${hex(device).slice(0, 4)}#${list.indexOf(seq)}`;
  };
  await s.accounts.create({ name: 'alice', bundle: new Uint8Array([1]), fingerprint: fp(1), now: 1 });
  const bob = await s.accounts.create({
    name: 'bob', bundle: new Uint8Array([2]), fingerprint: fp(2), now: 2,
    deviceList: { bytes: new Uint8Array([7]), version: 1, devices: [{ id: id16(21), key: fp(21), addedAt: 2 }, { id: id16(22), key: fp(22), addedAt: 3 }] },
  });
  out.push(bob, await s.accounts.get('alice'), await s.accounts.namesWithFingerprint(fp(1)), await s.accounts.count());
  const [d1, d2] = [id16(21), id16(22)];

  // Numbers increase per device in commit order; a repeat is refused; a device that does not exist gets nothing.
  const first = await s.queue.commit({ stores: [message('alice', 1, [d1, d2]), message('alice', 2, [d1]), message('alice', 1, [d2])], acks: [] });
  const second = await s.queue.commit({ stores: [message('alice', 3, [d2, id16(99), d1]), message('alice', 2, [d2])], acks: [] });
  for (const res of [...first, ...second]) out.push([res.duplicate, res.deliveries.map((d) => r(d.device, d.seq))]);
  const seqs1 = (await s.queue.page(d1, 0, 1e6, 10)).items.map((i) => i.seq);
  assert.deepEqual(seqs1, [...seqs1].sort((a, b) => a - b), 'increasing');
  out.push((await s.queue.page(d1, 0, 1e6, 10)).items.map((i) => ({ ...i, seq: r(d1, i.seq), mid: 0 })));
  out.push((await s.queue.page(d2, 0, 120, 10)).items.map((i) => r(d2, i.seq)), (await s.queue.page(d2, 0, 120, 10)).more);
  out.push(await s.queue.counts(), [...(await s.queue.bytesByDevice())].sort(), [...(await s.queue.bytesBySender())]);

  // An ack names its device: d1's first number acked as d2's removes nothing of d2's.
  const d1first = seqs1[0]!;
  const d2items = (await s.queue.page(d2, 0, 1e6, 10)).items;
  if (!d2items.some((i) => i.seq === d1first)) await s.queue.commit({ stores: [], acks: [{ device: d2, seq: d1first }] });
  out.push(await s.queue.counts());
  await s.queue.commit({ stores: [], acks: [{ device: d1, seq: d1first }, { device: d2, seq: d2items[0]!.seq }] });
  out.push(await s.queue.counts(), await s.queue.has('alice', id16(1)), (await s.queue.findById(d1, id16(2)))?.sender);
  const after = (await s.queue.page(d1, d1first, 1e6, 10)).items.map((i) => r(d1, i.seq));
  out.push(after, (await s.queue.heldFrom('alice')).length);

  // Key packages and conversations.
  out.push(await s.kps.upload(d1, [new Uint8Array([1]), new Uint8Array([2])], new Uint8Array([9]), 5, 1), await s.kps.claim(d1), await s.kps.claim(d1), await s.kps.status(d1));
  await s.conversations.create({ id: id16(1), kind: CONVERSATION_KIND.room, title: 'r', creator: 'bob', members: [{ name: 'bob', admin: true }], now: 5 });
  out.push(await s.conversations.advance(id16(1), 0, new Uint8Array([1]), ['alice'], [], 6), await s.conversations.advance(id16(1), 0, new Uint8Array([2]), [], [], 6));
  const c = (await s.conversations.get(id16(1)))!;
  out.push({ ...c, members: [...c.members].sort() }, await s.conversations.contactsOf('alice'), await s.conversations.conversationsOf('bob'));

  // Devices and accounts going.
  out.push(await s.accounts.setDeviceList('bob', { bytes: new Uint8Array([8]), version: 2, devices: [{ id: d2, key: fp(22), addedAt: 3 }] }, 7));
  out.push(await s.queue.counts(), await s.queue.expire(2000), await s.queue.counts());
  out.push(await s.accounts.markReset('alice', 8), (await s.accounts.get('alice'))!.devices, await s.accounts.unusedBefore(10, '', 100));
  return out;
}

test('async contract: the SQLite and PostgreSQL stores answer the same scenario the same way', async (t) => {
  const [a, b] = await Promise.all([scenario(sqlite(t)), postgres(t).then(scenario)]);
  assert.ok(a.length > 20, 'the scenario ran through');
  for (let i = 0; i < a.length; i++) assert.deepEqual(b[i], a[i], `answer ${i}`);
});

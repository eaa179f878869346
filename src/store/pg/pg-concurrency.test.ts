// Two nodes on one database: the races the constraints and single statements must settle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueueAppend } from '../async-stores.js';
import { CONVERSATION_KIND } from '../conversation-store.js';
import { QUEUE_KIND } from '../device-queue-store.js';
import { PgAccountStore } from './pg-account-store.js';
import { PgConversationStore } from './pg-conversation-store.js';
import type { PgDatabase } from './pg-database.js';
import { PgDeviceQueueStore } from './pg-device-queue-store.js';
import { PgKeyPackageStore } from './pg-key-package-store.js';
import { createTestDatabase } from './pg-test-database.js';

const id16 = (n: number) => new Uint8Array(16).fill(n);
const ROUNDS = 20;

/** Two pools ("nodes") on one fresh database, with bob's devices 21 and 22. */
async function twoNodes(t: Parameters<typeof createTestDatabase>[0]): Promise<[PgDatabase, PgDatabase]> {
  const { open } = await createTestDatabase(t);
  const one = await open();
  const two = await open();
  await new PgAccountStore(one).create({
    name: 'bob', bundle: new Uint8Array([2]), fingerprint: new Uint8Array(32).fill(2), now: 1,
    deviceList: { bytes: new Uint8Array([1]), version: 1, devices: [21, 22].map((n) => ({ id: id16(n), key: new Uint8Array(32).fill(n), addedAt: n })) },
  });
  return [one, two];
}

function message(sender: string, n: number, devices: Uint8Array[]): QueueAppend {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, n);
  return { sender, senderDevice: undefined, id, kind: QUEUE_KIND.envelope, toAll: false, conversation: undefined, meta: undefined, payload: new Uint8Array(10), now: 1, ttlMs: 1e6, devices };
}

test('pg race: two claims of the last key package on two nodes give it to one, the last-resort one to the other', async (t) => {
  const [one, two] = await twoNodes(t);
  const a = new PgKeyPackageStore(one);
  const b = new PgKeyPackageStore(two);
  const d = id16(21);
  await a.upload(d, [], new Uint8Array([0xff]), 1, 100);
  for (let round = 0; round < ROUNDS; round++) {
    await a.upload(d, [new Uint8Array([round])], undefined, 1, 100);
    const got = await Promise.all([a.claim(d), b.claim(d)]);
    assert.deepEqual(got.map((g) => g!.lastResort).sort(), [false, true], `round ${round}: one ordinary, one last resort`);
    assert.deepEqual(got.find((g) => !g!.lastResort)!.data, new Uint8Array([round]));
  }
  assert.deepEqual(await a.status(d), { remaining: 0, lastResort: true });
});

test('pg race: many claimers on two nodes take every package exactly once', async (t) => {
  const [one, two] = await twoNodes(t);
  const stores = [new PgKeyPackageStore(one), new PgKeyPackageStore(two)];
  const d = id16(22);
  await stores[0]!.upload(d, Array.from({ length: 60 }, (_, i) => new Uint8Array([i])), new Uint8Array([0xff]), 1, 100);
  const taken: number[] = [];
  await Promise.all(Array.from({ length: 6 }, async (_, w) => {
    for (;;) {
      const c = await stores[w % 2]!.claim(d);
      if (!c || c.lastResort) return;
      taken.push(c.data[0]!);
    }
  }));
  assert.deepEqual(taken.sort((x, y) => x - y), Array.from({ length: 60 }, (_, i) => i));
});

test('pg race: two commits for one epoch on two nodes: exactly one wins, every time', async (t) => {
  const [one, two] = await twoNodes(t);
  const a = new PgConversationStore(one);
  const b = new PgConversationStore(two);
  await a.create({ id: id16(1), kind: CONVERSATION_KIND.room, title: 'r', creator: 'bob', members: [{ name: 'bob', admin: true }], now: 1 });
  for (let epoch = 0; epoch < ROUNDS; epoch++) {
    const won = await Promise.all([
      a.advance(id16(1), epoch, new Uint8Array([1]), [], [], 2, new Uint8Array([1, epoch])),
      b.advance(id16(1), epoch, new Uint8Array([2]), [], [], 2, new Uint8Array([2, epoch])),
    ]);
    assert.equal(won.filter(Boolean).length, 1, `epoch ${epoch}: ${won}`);
    const winner = won[0] ? 1 : 2;
    assert.deepEqual((await a.get(id16(1)))!.groupInfo, new Uint8Array([winner]), 'the GroupInfo is the winner\'s');
    const [logged] = await b.handshakes(id16(1), epoch - 1, 1);
    assert.deepEqual(logged!.message, new Uint8Array([winner, epoch]), 'and so is the logged commit');
  }
  assert.equal((await b.get(id16(1)))!.epoch, ROUNDS);
});

test('pg race: the same message from two nodes is stored once; one device\'s numbers stay dense and unique; crossed batches do not deadlock', async (t) => {
  const [one, two] = await twoNodes(t);
  const a = new PgDeviceQueueStore(one);
  const b = new PgDeviceQueueStore(two);
  const [d1, d2] = [id16(21), id16(22)];
  const results = await Promise.all([
    (async () => { const out = []; for (let i = 0; i < ROUNDS; i++) out.push(...await a.commit({ stores: [message('x', i, [d1, d2]), message('y', i, [d2, d1])], acks: [] })); return out; })(),
    (async () => { const out = []; for (let i = 0; i < ROUNDS; i++) out.push(...await b.commit({ stores: [message('y', i, [d2, d1]), message('x', i, [d1, d2])], acks: [] })); return out; })(),
  ]);
  const all = results.flat();
  assert.equal(all.filter((r) => !r.duplicate).length, 2 * ROUNDS, 'each (sender, id) stored once');
  assert.equal(all.filter((r) => r.duplicate).length, 2 * ROUNDS);
  for (const d of [d1, d2]) {
    const { items } = await a.page(d, 0, 1e9, 1000);
    assert.deepEqual(items.map((i) => i.seq), Array.from({ length: 2 * ROUNDS }, (_, i) => i + 1), 'numbers 1..n, none twice, none skipped');
  }
});

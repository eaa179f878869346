import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openDatabase, QUEUE_KIND, SqliteAccountStore, SqliteDeviceQueueStore, type SqliteDatabase,
} from '../../store/index.js';
import { DeviceMailbox, type MailboxInput, type Settled } from './device-mailbox.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A mailbox on a fresh database with the v1 devices of bob, carol and dave. */
function setup(t: { after: (fn: () => void) => void }, delayMs = 5, maxPending = 1000) {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-mailbox-'));
  const db: SqliteDatabase = openDatabase(join(dir, 'db.sqlite'));
  t.after(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const accounts = new SqliteAccountStore(db);
  const dev: Record<string, Uint8Array> = {};
  ['bob', 'carol', 'dave'].forEach((name, i) => {
    dev[name] = accounts.create({ name, bundle: new Uint8Array([i]), fingerprint: new Uint8Array(32).fill(i + 1), now: 1 }).devices[0]!.id;
  });
  const store = new SqliteDeviceQueueStore(db);
  const errors: Error[] = [];
  const box = new DeviceMailbox(store, { delayMs, maxPending, maxPendingBytes: 1 << 20, onWriteError: (e) => errors.push(e) });
  const hex = (name: string) => Buffer.from(dev[name]!).toString('hex');
  return { dir, db, store, box, errors, dev, hex };
}

let next = 0;
function message(sender: string, devices: Uint8Array[], bytes = 100): MailboxInput {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, ++next);
  return {
    sender, senderDevice: undefined, id, kind: QUEUE_KIND.envelope, toAll: devices.length > 1, conversation: undefined, meta: undefined,
    payload: new Uint8Array(bytes).fill(7), now: Date.now(), ttlMs: 60_000, devices,
  };
}

function collector() {
  const seen: Settled[] = [];
  return { seen, cb: (s: Settled) => seen.push(s) };
}

test('mailbox: every copy gets its own increasing seq at once; a copy acknowledged before the write is never stored', async (t) => {
  const { box, store, dev, hex } = setup(t, 50);
  const m = message('alice', [dev.bob!, dev.carol!]);
  const { seen, cb } = collector();
  const { duplicate, items } = box.submit(m, cb);
  assert.equal(duplicate, false);
  assert.deepEqual(items.map((i) => i.deviceHex), [hex('bob'), hex('carol')]);
  assert.ok(items[1]!.item.seq > items[0]!.item.seq);
  assert.equal(box.bytesFor(hex('bob')), 100, 'waiting bytes count against the queue');
  assert.equal(box.bytesFrom('alice'), 200, 'and against the sender, per copy');
  assert.equal(box.ack(dev.bob!, items[0]!.item.seq)?.inSettle, true);
  assert.equal(seen.length, 0, 'carol has not acknowledged');
  assert.equal(box.ack(dev.carol!, items[1]!.item.seq, 'NOT_A_RECIPIENT')?.inSettle, true, 'a rejection is an acknowledgement that carries its code');
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], { ok: true, ackedBy: [{ device: hex('bob'), rejected: '' }, { device: hex('carol'), rejected: 'NOT_A_RECIPIENT' }] });
  assert.equal(box.ack(dev.bob!, items[0]!.item.seq), undefined, 'a second ack finds nothing');
  await wait(80);
  assert.deepEqual(store.counts(), { messages: 0, deliveries: 0 }, 'nothing was written');
  assert.equal(box.bytesFrom('alice'), 0);
});

test('mailbox: what is not acknowledged is written after the delay, then Accepted; a later ack deletes it', async (t) => {
  const { box, store, dev, hex } = setup(t, 10);
  const { seen, cb } = collector();
  const { items } = box.submit(message('alice', [dev.bob!], 300), cb);
  assert.equal(seen.length, 0, 'no Accepted before the write');
  await wait(40);
  assert.deepEqual(seen, [{ ok: true, ackedBy: [] }]);
  assert.deepEqual(store.counts(), { messages: 1, deliveries: 1 });
  const r = box.ack(dev.bob!, items[0]!.item.seq)!;
  assert.equal(r.inSettle, false);
  assert.equal(r.sender, 'alice');
  assert.equal(box.bytesFor(hex('bob')), 0);
  assert.equal(box.ack(dev.bob!, items[0]!.item.seq), undefined, 'an ack already queued is not counted twice');
  assert.deepEqual(box.counts(), { messages: 0, deliveries: 0 }, 'counts flush the queued delete');
});

test('mailbox: a page reads the stored part, then what waits in memory, in seq order, bounded by bytes and items', async (t) => {
  const { box, dev } = setup(t, 60_000);
  const seqs: number[] = [];
  for (let i = 0; i < 3; i++) seqs.push(box.submit(message('alice', [dev.bob!], 400), () => {}).items[0]!.item.seq);
  box.flush();
  for (let i = 0; i < 3; i++) seqs.push(box.submit(message('carol', [dev.bob!], 400), () => {}).items[0]!.item.seq);
  const all = box.page(dev.bob!, 0, 1e6, 100);
  assert.deepEqual(all.items.map((i) => i.seq), seqs);
  assert.equal(all.more, false);
  const first = box.page(dev.bob!, 0, 1000, 100);
  assert.deepEqual(first.items.map((i) => i.seq), seqs.slice(0, 2));
  assert.equal(first.more, true);
  const across = box.page(dev.bob!, seqs[1]!, 1000, 100);
  assert.deepEqual(across.items.map((i) => i.seq), seqs.slice(2, 4), 'a page spans stored and waiting copies');
  assert.deepEqual(box.page(dev.bob!, seqs[3]!, 1e6, 1).items.map((i) => i.seq), [seqs[4]], 'bounded by items');
  box.ack(dev.bob!, seqs[0]!);
  assert.deepEqual(box.page(dev.bob!, 0, 1e6, 100).items.map((i) => i.seq), seqs.slice(1), 'an acknowledged copy is not read again');
});

test('mailbox: duplicates settle with the first copy, or at once when already stored; ids are checked per device', async (t) => {
  const { box, dev, hex } = setup(t, 1000);
  const m = message('alice', [dev.bob!]);
  const first = collector();
  const again = collector();
  assert.equal(box.submit(m, first.cb).duplicate, false);
  assert.equal(box.submit({ ...m }, again.cb).duplicate, true);
  assert.equal(again.seen.length, 0, 'the resend waits for the first copy');
  assert.equal(box.holdsIdFromOther(dev.bob!, m.id, 'mallory'), true, 'another sender reusing the id is seen (waiting)');
  box.flush();
  assert.equal(first.seen.length, 1);
  assert.equal(again.seen.length, 1);
  assert.equal(box.holdsIdFromOther(dev.bob!, m.id, 'mallory'), true, 'and stored');
  assert.equal(box.holdsIdFromOther(dev.bob!, m.id, 'alice'), false);
  assert.equal(box.holdsIdFromOther(dev.carol!, m.id, 'mallory'), false);
  const late = collector();
  assert.equal(box.submit({ ...m }, late.cb).duplicate, true);
  assert.deepEqual(late.seen, [{ ok: true, ackedBy: [] }], 'already stored: settled at once');
  assert.equal(box.bytesFor(hex('bob')), 100, 'a duplicate adds no bytes');
  assert.equal(box.findById(dev.bob!, m.id), box.page(dev.bob!, 0, 1e6, 10).items[0]!.seq);
});

test('mailbox: a full queue is written at the end of the current turn; waiting bytes are bounded too', async (t) => {
  const { box, store, dev } = setup(t, 60_000, 3);
  const settled: Settled[] = [];
  for (let i = 0; i < 3; i++) box.submit(message('alice', [dev.bob!]), (s) => settled.push(s));
  assert.equal(settled.length, 0, 'not inside submit: the caller still delivers the message');
  await Promise.resolve();
  assert.equal(settled.length, 3);
  assert.equal(store.counts().messages, 3);
  box.submit(message('alice', [dev.bob!], 700_000), () => {});
  await Promise.resolve();
  assert.equal(store.counts().messages, 3);
  box.submit(message('alice', [dev.bob!], 400_000), () => {});
  await Promise.resolve();
  assert.equal(store.counts().messages, 5, 'over 1 MiB waiting: written at once');
});

test('mailbox: a failed write tells every sender, keeps the counts true and does not throw', async (t) => {
  const { box, db, errors, dev, hex } = setup(t, 1000);
  const { seen, cb } = collector();
  box.submit(message('alice', [dev.bob!]), cb);
  db.close();
  assert.doesNotThrow(() => box.flush());
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.ok, false);
  assert.ok(errors.length >= 1);
  assert.equal(box.queued, 0);
  assert.equal(box.bytesFor(hex('bob')), 100, 'the database cannot be read again: the counts are left as they were, not guessed low');
});

test('mailbox: counters start from what is stored; a removed device is forgotten', async (t) => {
  const { box, store, dev, hex } = setup(t, 1000);
  box.submit(message('alice', [dev.bob!, dev.carol!], 250), () => {});
  box.flush();
  const reopened = new DeviceMailbox(store, { delayMs: 5, maxPending: 10, maxPendingBytes: 1 << 20 });
  assert.equal(reopened.bytesFor(hex('bob')), 250);
  assert.equal(reopened.bytesFrom('alice'), 500);
  reopened.submit(message('alice', [dev.dave!], 50), () => {});
  reopened.forgetDevice(dev.dave!);
  assert.equal(reopened.bytesFor(hex('dave')), 0);
  assert.equal(reopened.expire(Date.now() + 120_000), 1);
  assert.equal(reopened.bytesFor(hex('bob')), 0, 'expiry resets the counters');
});

test('mailbox: a callback that throws in the timed write is reported, not thrown (it would end the process); the others are told, both are stored', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-mailbox-'));
  const db: SqliteDatabase = openDatabase(join(dir, 'db.sqlite'));
  t.after(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bob = new SqliteAccountStore(db).create({ name: 'bob', bundle: new Uint8Array([1]), fingerprint: new Uint8Array(32).fill(9), now: 1 }).devices[0]!.id;
  const store = new SqliteDeviceQueueStore(db);
  const failures: Error[] = [];
  const box = new DeviceMailbox(store, { delayMs: 5, maxPending: 10, maxPendingBytes: 1 << 20, onTimerError: (e) => failures.push(e) });
  box.submit(message('alice', [bob]), () => {
    throw new Error('the sender\'s socket is gone');
  });
  const { seen, cb } = collector();
  box.submit(message('erin', [bob]), cb);
  for (let i = 0; i < 100 && seen.length === 0; i++) await wait(10);
  assert.deepEqual(failures.map((e) => e.message), ['the sender\'s socket is gone']);
  assert.equal(seen.length, 1, 'the next sender in the same write still hears');
  assert.equal(box.counts().deliveries, 2, 'both written all the same');
});

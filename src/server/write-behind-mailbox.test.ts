import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, SqliteMailboxStore, type SqliteDatabase, type StoreMessageInput } from '../store/index.js';
import { WriteBehindMailbox, type Settled } from './write-behind-mailbox.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(t: { after: (fn: () => void) => void }, delayMs = 5, maxPending = 1000) {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-wbm-'));
  const db: SqliteDatabase = openDatabase(join(dir, 'db.sqlite'));
  t.after(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const store = new SqliteMailboxStore(db);
  const errors: Error[] = [];
  const box = new WriteBehindMailbox(store, { delayMs, maxPending, maxPendingBytes: 1 << 20, onWriteError: (e) => errors.push(e) });
  return { dir, db, store, box, errors };
}

let next = 0;
function message(sender: string, recipients: string[], bytes = 100): StoreMessageInput {
  const id = new Uint8Array(16);
  new DataView(id.buffer).setUint32(0, ++next);
  return { sender, id, toAll: recipients.length > 1, envelope: new Uint8Array(bytes).fill(7), recipients, now: Date.now(), ttlMs: 60_000 };
}

function collector() {
  const seen: Settled[] = [];
  return { seen, cb: (s: Settled) => seen.push(s) };
}

test('write-behind: a message acknowledged before the write is never stored; Accepted carries the receipt', async (t) => {
  const { box, store } = setup(t, 50);
  const m = message('alice', ['bob']);
  const { seen, cb } = collector();
  assert.equal(box.submit(m, cb).duplicate, false);
  assert.equal(box.bytesFor('bob'), 100, 'queued bytes count against the mailbox');
  assert.deepEqual(box.ack('bob', m.id), { sender: 'alice', inSettle: true });
  assert.deepEqual(seen, [{ ok: true, ackedBy: [{ by: 'bob', rejected: '' }] }], 'settled at once: nothing left to store');
  assert.equal(box.bytesFor('bob'), 0);
  assert.equal(box.ack('bob', m.id), undefined, 'a second ack finds nothing');
  await wait(80);
  assert.deepEqual(store.counts(), { messages: 0, deliveries: 0 }, 'nothing was written');
});

test('write-behind: an unacknowledged message is written after the delay, then Accepted; a later ack deletes it', async (t) => {
  const { box, store } = setup(t, 10);
  const m = message('alice', ['bob'], 300);
  const { seen, cb } = collector();
  box.submit(m, cb);
  assert.equal(seen.length, 0, 'no Accepted before the write');
  assert.deepEqual(store.counts(), { messages: 0, deliveries: 0 });
  await wait(40);
  assert.deepEqual(seen, [{ ok: true, ackedBy: [] }]);
  assert.deepEqual(store.counts(), { messages: 1, deliveries: 1 }, 'stored by the timer');
  assert.equal(box.bytesFor('bob'), 300);
  assert.deepEqual(box.ack('bob', m.id), { sender: 'alice', inSettle: false });
  assert.equal(box.bytesFor('bob'), 0);
  assert.equal(box.ack('bob', m.id), undefined, 'an ack already queued is not counted twice');
  assert.deepEqual(box.counts(), { messages: 0, deliveries: 0 }, 'counts flush the queued delete');
});

test('write-behind: to-all keeps only the copies not yet acknowledged; reads see queued messages', async (t) => {
  const { box, store } = setup(t, 1000);
  const m = message('alice', ['bob', 'carol', 'dave']);
  const { seen, cb } = collector();
  box.submit(m, cb);
  box.ack('bob', m.id);
  assert.equal(seen.length, 0);
  // A recipient logging in must get what is queued: the read flushes first.
  const forCarol = box.forRecipient('carol', 0, 10);
  assert.equal(forCarol.length, 1);
  assert.equal(forCarol[0]!.sender, 'alice');
  assert.deepEqual(seen, [{ ok: true, ackedBy: [{ by: 'bob', rejected: '' }] }]);
  assert.deepEqual(store.counts(), { messages: 1, deliveries: 2 }, 'carol and dave, not bob');
  assert.deepEqual(box.pendingFrom('alice').map((p) => p.to).sort(), ['carol', 'dave']);
});

test('write-behind: duplicates settle with the first copy, or at once when already stored', async (t) => {
  const { box } = setup(t, 1000);
  const m = message('alice', ['bob']);
  const first = collector();
  const again = collector();
  assert.equal(box.submit(m, first.cb).duplicate, false);
  assert.equal(box.submit({ ...m }, again.cb).duplicate, true);
  assert.equal(again.seen.length, 0, 'the resend waits for the first copy');
  box.flush();
  assert.equal(first.seen.length, 1);
  assert.equal(again.seen.length, 1);
  const late = collector();
  assert.equal(box.submit({ ...m }, late.cb).duplicate, true);
  assert.deepEqual(late.seen, [{ ok: true, ackedBy: [] }], 'already stored: settled at once');
  assert.equal(box.bytesFor('bob'), 100, 'a duplicate adds no bytes');
});

test('write-behind: a full queue is written at the end of the current turn', async (t) => {
  const { box, store } = setup(t, 60_000, 3);
  const settled: Settled[] = [];
  for (let i = 0; i < 3; i++) box.submit(message('alice', ['bob']), (s) => settled.push(s));
  assert.equal(settled.length, 0, 'not inside submit: the caller still delivers the message');
  await Promise.resolve();
  assert.equal(settled.length, 3);
  assert.equal(store.counts().messages, 3);
});

test('write-behind: queued envelope bytes are bounded too', async (t) => {
  const { box, store } = setup(t, 60_000, 1000);
  box.submit(message('alice', ['bob'], 700_000), () => {});
  await Promise.resolve();
  assert.equal(store.counts().messages, 0);
  box.submit(message('alice', ['bob'], 400_000), () => {});
  await Promise.resolve();
  assert.equal(store.counts().messages, 2, 'over 1 MiB queued: written at once');
});

test('write-behind: a failed write tells every sender, loses no state and does not throw', async (t) => {
  const { box, db, errors } = setup(t, 1000);
  const { seen, cb } = collector();
  box.submit(message('alice', ['bob']), cb);
  db.close();
  assert.doesNotThrow(() => box.flush());
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.ok, false);
  assert.equal(errors.length, 1);
  assert.equal(box.queued, 0);
});

test('write-behind: counters start from what is stored', async (t) => {
  const { box, store } = setup(t, 1000);
  box.submit(message('alice', ['bob', 'carol'], 250), () => {});
  box.flush();
  const reopened = new WriteBehindMailbox(store, { delayMs: 5, maxPending: 10, maxPendingBytes: 1 << 20 });
  assert.equal(reopened.bytesFor('bob'), 250);
  assert.equal(reopened.bytesFor('carol'), 250);
  assert.equal(reopened.bytesFor('alice'), 0);
  assert.equal(reopened.expire(Date.now() + 120_000), 1);
  assert.equal(reopened.bytesFor('bob'), 0, 'expiry resets the counters');
});

test('write-behind: an id whose stored copy was acknowledged is free again, as without the delay', async (t) => {
  const { box } = setup(t, 1000);
  const m = message('alice', ['bob']);
  box.submit(m, () => {});
  box.flush();
  box.ack('bob', m.id);
  const again = collector();
  assert.equal(box.submit({ ...m }, again.cb).duplicate, false, 'the queued delete is written first');
  assert.equal(again.seen.length, 0);
});

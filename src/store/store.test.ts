import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { SqliteIdentityStore } from './identity-store.js';
import { SqliteMailboxStore } from './mailbox-store.js';
import { isStoreError } from './store-error.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sealcast-store-'));
}

const idA = new Uint8Array(16).fill(1);
const idB = new Uint8Array(16).fill(2);

test('identities: bind, rebind, reset, list', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, 'db.sqlite'));
  const ids = new SqliteIdentityStore(db);
  ids.put('alice', new Uint8Array([1]), new Uint8Array([9]), 1);
  assert.deepEqual(ids.get('alice')?.fingerprint, new Uint8Array([9]));
  assert.equal(ids.markReset('alice', 2), true);
  assert.equal(ids.get('alice')?.reset, true);
  ids.put('alice', new Uint8Array([2]), new Uint8Array([8]), 3);
  assert.equal(ids.get('alice')?.reset, false);
  assert.equal(ids.get('alice')?.createdAt, 1);
  assert.equal(ids.markReset('nobody', 4), false);
  assert.deepEqual(ids.list().map((r) => r.name), ['alice']);
  db.close();
});

test('identities: the in-memory copy, updated in place by writes, matches a fresh read of the file', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, 'db.sqlite'));
  const ids = new SqliteIdentityStore(db);
  ids.list(); // load the copy first, so every write below goes through the in-place update
  const names = ['m', 'a', 'z', 'b', 'y', 'c0', 'c', 'x.y', 'x-y', 'x_y'];
  for (let i = 0; i < 200; i++) {
    const name = names[(i * 7 + (i >> 3)) % names.length]!;
    if (i % 5 === 3) ids.markReset(name, i);
    else if (i % 7 === 4) ids.remove(name);
    else ids.put(name, new Uint8Array([i & 0xff]), new Uint8Array([(i * 3) & 0xff]), i);
  }
  const fresh = new SqliteIdentityStore(db);
  assert.deepEqual(ids.list(), fresh.list());
  for (const name of names) assert.deepEqual(ids.get(name), fresh.get(name), name);
  db.close();
});

test('identities: a change made by another process (sealcast admin) is seen by the server', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = new SqliteIdentityStore(openDatabase(join(dir, 'db.sqlite')));
  server.put('alice', new Uint8Array([1]), new Uint8Array([9]), 1);
  assert.equal(server.get('alice')?.reset, false, 'read once, now held in memory');
  const adminDb = openDatabase(join(dir, 'db.sqlite'));
  const admin = new SqliteIdentityStore(adminDb);
  assert.equal(admin.markReset('alice', 2), true);
  admin.put('bob', new Uint8Array([2]), new Uint8Array([8]), 2);
  adminDb.close();
  await new Promise((r) => setTimeout(r, 60)); // the server looks for outside changes every 50 ms
  assert.equal(server.get('alice')?.reset, true, 'the reset is seen');
  assert.deepEqual(server.list().map((r) => r.name), ['alice', 'bob']);
});

test('mailbox: stored once per message, delivered in order, deleted on ack, duplicates detected', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openDatabase(join(dir, 'db.sqlite'));
  const box = new SqliteMailboxStore(db);
  const env = new Uint8Array(100).fill(3);
  assert.equal(box.store({ sender: 'alice', id: idA, toAll: true, envelope: env, recipients: ['bob', 'carol'], now: 10, ttlMs: 1000 }).duplicate, false);
  assert.equal(box.store({ sender: 'alice', id: idA, toAll: true, envelope: env, recipients: ['bob', 'carol'], now: 11, ttlMs: 1000 }).duplicate, true);
  box.store({ sender: 'carol', id: idB, toAll: false, envelope: env, recipients: ['bob'], now: 12, ttlMs: 1000 });
  assert.deepEqual(box.counts(), { messages: 2, deliveries: 3 });
  assert.deepEqual(box.forRecipient('bob', 0, 10).map((m) => m.sender), ['alice', 'carol']);
  assert.equal(box.bytesFor('bob'), 200);
  assert.equal(box.pendingFrom('alice').length, 2);
  assert.deepEqual(box.ack('bob', idA), { sender: 'alice' });
  assert.equal(box.ack('bob', idA), undefined, 'second ack removes nothing');
  assert.equal(box.counts().messages, 2, 'carol still holds the to-all message');
  box.ack('carol', idA);
  assert.deepEqual(box.counts(), { messages: 1, deliveries: 1 });
  assert.equal(box.expire(2000), 1);
  assert.deepEqual(box.counts(), { messages: 0, deliveries: 0 });
  db.close();
});

test('mailbox: the duplicate check, which skips the query for senders with nothing held, agrees with the table', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  const db = openDatabase(path);
  const box = new SqliteMailboxStore(db);
  const env = new Uint8Array(50);
  const id = (n: number) => new Uint8Array(16).fill(n);
  const msg = (sender: string, n: number, recipients: string[], now = 10) =>
    ({ sender, id: id(n), toAll: false, envelope: env, recipients, now, ttlMs: 1000 });
  const fresh = () => new SqliteMailboxStore(db);
  const agree = (what: string) => {
    const other = fresh();
    for (const sender of ['alice', 'bob', 'carol']) {
      for (let n = 1; n <= 6; n++) assert.equal(box.has(sender, id(n)), other.has(sender, id(n)), `${what}: ${sender} #${n}`);
    }
  };
  box.store(msg('alice', 1, ['bob', 'carol']));
  box.commit({ stores: [msg('alice', 2, ['bob']), msg('bob', 3, ['alice']), msg('alice', 1, ['bob'])], acks: [] });
  assert.equal(box.has('alice', id(1)), true);
  assert.equal(box.has('bob', id(3)), true);
  assert.equal(box.has('carol', id(1)), false);
  agree('after stores');
  box.ack('bob', id(1));
  assert.equal(box.has('alice', id(1)), true, 'carol still holds it');
  box.ack('carol', id(1));
  assert.equal(box.has('alice', id(1)), false, 'gone with its last copy');
  const ref = box.findDelivery('alice', id(3))!;
  box.commit({ stores: [msg('carol', 4, ['alice'], 5000)], acks: [ref] });
  assert.equal(box.has('bob', id(3)), false);
  assert.equal(box.has('carol', id(4)), true);
  agree('after acks');
  assert.equal(box.expire(1500), 1, 'alice #2 expires; carol #4 does not');
  assert.equal(box.has('alice', id(2)), false);
  agree('after expiry');
  // A failing transaction leaves the counts as the table is.
  assert.throws(() => box.commit({ stores: [msg('bob', 5, ['alice']), { ...msg('bob', 6, ['alice']), envelope: undefined as unknown as Uint8Array }], acks: [] }));
  assert.equal(box.has('bob', id(5)), false, 'rolled back');
  agree('after a failed commit');
  db.close();
  const again = openDatabase(path);
  assert.equal(new SqliteMailboxStore(again).has('carol', id(4)), true, 'counts are read back on open');
  again.close();
});

test('a truncated or corrupted database is refused with CORRUPT_DATABASE, file left untouched', (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  const db = openDatabase(path);
  const box = new SqliteMailboxStore(db);
  for (let i = 0; i < 200; i++) {
    const id = new Uint8Array(16);
    id[0] = i;
    box.store({ sender: 'a', id, toAll: false, envelope: new Uint8Array(2000).fill(i), recipients: ['b'], now: 1, ttlMs: 1e9 });
  }
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

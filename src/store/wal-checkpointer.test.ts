import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from './database.js';
import { SqliteAccountStore } from './account-store.js';
import { QUEUE_KIND, SqliteDeviceQueueStore } from './device-queue-store.js';
import { WalCheckpointer, type CheckpointReport } from './wal-checkpointer.js';

/** A queue store with one device to fill. */
function queueOn(db: SqliteDatabase): SqliteDeviceQueueStore {
  const accounts = new SqliteAccountStore(db);
  if (!accounts.get('b')) accounts.create({ name: 'b', bundle: new Uint8Array([1]), fingerprint: new Uint8Array(32).fill(5), now: 1 });
  return new SqliteDeviceQueueStore(db);
}

function fill(db: SqliteDatabase, box: SqliteDeviceQueueStore, from: number, count: number): void {
  const device = new SqliteAccountStore(db).get('b')!.devices[0]!.id;
  db.transaction(() => {
    for (let i = from; i < from + count; i++) {
      const id = new Uint8Array(16);
      new DataView(id.buffer).setUint32(0, i);
      box.commit({
        stores: [{
          sender: 'a', senderDevice: undefined, id, kind: QUEUE_KIND.envelope, toAll: false, conversation: undefined, meta: undefined,
          payload: new Uint8Array(4000).fill(i & 0xff), now: 1, ttlMs: 1e9, deliveries: [{ device, seq: i + 1 }],
        }],
        acks: [],
      });
    }
  })();
}

test('the server connection never checkpoints; the worker copies the WAL into the database file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sealcast.db');
  const db = openDatabase(path);
  const reports: CheckpointReport[] = [];
  // The first checkpoint comes a second after the worker starts; the rows are written before that.
  const ckpt = new WalCheckpointer(db, path, { intervalMs: 1000, onCheckpoint: (r) => reports.push(r) });
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0);

  const before = statSync(path).size;
  const box = queueOn(db);
  // 2,000 pages and more: past SQLite's own threshold, which would have checkpointed on this thread.
  fill(db, box, 0, 2500);
  const walPages = Math.floor(statSync(`${path}-wal`).size / 4096);
  assert.ok(walPages > 2000, `the WAL keeps growing without a checkpoint here (${walPages} pages)`);
  assert.equal(statSync(path).size, before, 'nothing copied into the database file by the server connection');

  const end = Date.now() + 10_000;
  while (!reports.some((r) => r.log > 2000 && r.checkpointed === r.log)) {
    assert.ok(Date.now() < end, `no full checkpoint reported: ${JSON.stringify(reports.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(statSync(path).size > before + 2000 * 4096, 'the rows are in the database file');

  await ckpt.stop();
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, 'stopped: SQLite checkpoints by itself again');
  assert.equal(box.counts().messages, 2500);
  db.close();
  const again = openDatabase(path);
  assert.equal(queueOn(again).counts().messages, 2500);
  again.close();
});

test('a worker that cannot work hands checkpoints back to the server connection and says why', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-ckpt-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'sealcast.db');
  const db = openDatabase(path);
  t.after(() => db.close());
  const reasons: string[] = [];
  const fellBack = new Promise<void>((resolve) => {
    // The worker opens another path, which does not exist: it fails at once.
    void new WalCheckpointer(db, join(dir, 'missing.db'), {
      intervalMs: 50,
      onFallback: (reason) => {
        reasons.push(reason);
        resolve();
      },
    });
  });
  await fellBack;
  assert.match(reasons[0]!, /missing\.db|unable to open|does not exist/i);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
});

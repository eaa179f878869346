import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { SqliteWatchStore } from './watch-store.js';

test('watch state: per user and title, updated in place, survives reopening, bounded per user', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-watch-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'db.sqlite');
  let db = openDatabase(file);
  let store = new SqliteWatchStore(db, 3);
  store.save('alice', 'movie', 61_500.4, false, 1000);
  store.save('alice', 'movie', 65_000, false, 2000);
  store.save('bob', 'movie', 5000, true, 2000);
  assert.deepEqual(store.get('alice', 'movie'), { title: 'movie', positionMs: 65_000, finished: false, updatedAt: 2000 });
  assert.deepEqual(store.get('bob', 'movie'), { title: 'movie', positionMs: 5000, finished: true, updatedAt: 2000 });
  assert.equal(store.get('carol', 'movie'), undefined);
  db.close();
  db = openDatabase(file);
  store = new SqliteWatchStore(db, 3);
  assert.equal(store.get('alice', 'movie')!.positionMs, 65_000, 'kept across a restart');
  // The bound: the fourth title pushes out alice's least recently watched one, never bob's.
  store.save('alice', 'a', 1, false, 3000);
  store.save('alice', 'b', 1, false, 4000);
  store.save('alice', 'c', 1, false, 5000);
  assert.deepEqual([...store.list('alice').keys()].sort(), ['a', 'b', 'c']);
  assert.equal(store.list('bob').size, 1);
  db.close();
});

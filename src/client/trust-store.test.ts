import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from './storage.js';
import { TrustStore } from './trust-store.js';

test('trust on first use: new, same, changed (blocked) until accepted; persisted', async () => {
  const storage = new MemoryStorage();
  const store = await TrustStore.load(storage);
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(32).fill(2);
  assert.equal(store.observe('bob', k1).status, 'new');
  assert.equal(store.observe('bob', k1).status, 'same');
  assert.equal(store.markVerified('bob'), true);
  const changed = store.observe('bob', k2);
  assert.equal(changed.status, 'changed');
  assert.equal(changed.previous, '01'.repeat(32));
  assert.equal(store.isBlocked('bob'), true);
  assert.equal(store.markVerified('bob'), false, 'cannot verify while a change is pending');
  await store.save();
  const reloaded = await TrustStore.load(storage);
  assert.equal(reloaded.isBlocked('bob'), true, 'the block survives a restart');
  assert.equal(reloaded.accept('bob'), true);
  assert.equal(reloaded.isBlocked('bob'), false);
  assert.equal(reloaded.get('bob')?.verified, false, 'a new key is not verified');
  assert.equal(reloaded.observe('bob', k2).status, 'same');
  assert.equal(reloaded.observe('bob', k1).status, 'changed', 'going back to the old key is a change too');
});

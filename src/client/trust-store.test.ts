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

test('the trusted bundle is remembered; accept() adopts the new one', async () => {
  const storage = new MemoryStorage();
  const store = await TrustStore.load(storage);
  const b1 = { fingerprint: new Uint8Array(32).fill(1), bytes: new Uint8Array([1, 2, 3]) };
  const b2 = { fingerprint: new Uint8Array(32).fill(2), bytes: new Uint8Array([4, 5, 6]) };
  store.observe('carol', b1);
  assert.deepEqual(store.trustedBundle('carol'), b1.bytes);
  assert.equal(store.observe('carol', b2).status, 'changed');
  assert.deepEqual(store.trustedBundle('carol'), b1.bytes, 'the old key stays trusted while the change is pending');
  assert.equal(store.trustedFingerprint('carol'), '01'.repeat(32));
  assert.equal(store.accept('carol', b2.bytes), true);
  assert.deepEqual(store.trustedBundle('carol'), b2.bytes);
  assert.equal(store.accept('carol'), false, 'nothing pending any more');
  assert.equal(store.observe('carol', b1).status, 'changed');
  assert.equal(store.observe('carol', b2).status, 'same', 'seeing the trusted key again clears the pending change');
  assert.equal(store.isBlocked('carol'), false);
});

test('damaged state fails loudly instead of silently trusting every key anew', async () => {
  const storage = new MemoryStorage();
  await storage.set('peers', '{not json');
  await assert.rejects(TrustStore.load(storage), /damaged/);
});

test('one damaged record fails the load, naming it, instead of being dropped (a TOFU bypass)', async () => {
  const good = { fingerprint: '01'.repeat(32), firstSeen: 1, verified: true };
  const damaged: [string, unknown][] = [
    ['carol', { ...good, fingerprint: '01'.repeat(31) }],
    ['carol', { ...good, fingerprint: undefined }],
    ['carol', 'not a record'],
    ['carol', null],
    ['carol', { ...good, pending: 'zz' }],
    ['carol', { ...good, bundle: 'not base64!' }],
    ['carol', { ...good, verified: 'yes' }],
    ['carol', { ...good, firstSeen: 'yesterday' }],
    ['Carol', good],
    ['\u001b[2Jcarol', good],
  ];
  for (const [name, record] of damaged) {
    const storage = new MemoryStorage();
    await storage.set('peers', JSON.stringify({ bob: good, [name]: record }));
    await assert.rejects(TrustStore.load(storage), (e: Error) => /damaged/.test(e.message) && !e.message.includes('\u001b'), `${name}: ${JSON.stringify(record)}`);
  }
  // The positive control: the same file without the damage loads, with both records.
  const storage = new MemoryStorage();
  await storage.set('peers', JSON.stringify({ bob: good, carol: { ...good, pending: '02'.repeat(32), bundle: 'AAEC' } }));
  const store = await TrustStore.load(storage);
  assert.deepEqual(store.names(), ['bob', 'carol']);
  assert.equal(store.isBlocked('carol'), true);
});

test('the store never writes by itself: it marks itself dirty and tells its owner', async () => {
  const storage = new MemoryStorage();
  let told = 0;
  const store = await TrustStore.load(storage, () => told++);
  store.observe('bob', new Uint8Array(32).fill(1));
  store.observe('carol', new Uint8Array(32).fill(2));
  assert.equal(told, 2);
  assert.equal(store.dirty, true);
  assert.equal(await storage.get('peers'), undefined, 'nothing written yet');
  await store.save();
  assert.equal(store.dirty, false);
  assert.deepEqual(Object.keys(JSON.parse((await storage.get('peers'))!)), ['bob', 'carol']);
});

test('a failed write rejects and leaves the store dirty, so the next save writes it', async () => {
  let fail = true;
  const storage = new MemoryStorage();
  const set = storage.set.bind(storage);
  storage.set = async (k, v) => {
    if (fail) throw new Error('ENOSPC: no space left on device');
    return set(k, v);
  };
  const store = await TrustStore.load(storage);
  store.observe('bob', new Uint8Array(32).fill(1));
  await assert.rejects(store.save(), /ENOSPC/);
  assert.equal(store.dirty, true);
  fail = false;
  await store.save();
  assert.ok(JSON.parse((await storage.get('peers'))!).bob);
});

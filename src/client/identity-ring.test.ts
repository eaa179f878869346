import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity, toHex, type Identity } from '../crypto/index.js';
import { isClientError } from './client-error.js';
import { IdentityRing, MAX_RETIRED, RETIRED_KEEP_MS, type RetiredIdentity, type RetiredIdentityStore } from './identity-ring.js';

class MemoryRetired implements RetiredIdentityStore {
  list: RetiredIdentity[] = [];
  fail = false;
  async load() {
    return [...this.list];
  }
  async save(list: RetiredIdentity[]) {
    if (this.fail) throw new Error('ENOSPC: no space left on device');
    this.list = [...list];
  }
}

const fp = (i: Identity) => toHex(i.bundle.fingerprint);

test('a rotation keeps the old identity in the store before it is sent, and a new ring (a restart) has it back', async () => {
  const store = new MemoryRetired();
  const [a, b, c] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
  const ring = new IdentityRing(a, [], store);
  await ring.load();
  await ring.prepareRotation(b);
  assert.deepEqual(store.list.map((r) => fp(r.identity)), [fp(a)], 'durable before the server is asked');
  ring.rotate(b);
  await ring.prepareRotation(c);
  ring.rotate(c);
  const restarted = new IdentityRing(c, [], store);
  await restarted.load();
  assert.deepEqual(restarted.all().map(fp), [fp(c), fp(b), fp(a)], 'current first, then newest retired');
  // A rotation the server refused left the current key in the store: it is not listed twice.
  const refused = new IdentityRing(b, [], store);
  await refused.load();
  assert.deepEqual(refused.all().map(fp), [fp(b), fp(a)]);
});

test('retired identities are bounded: at most MAX_RETIRED, none older than RETIRED_KEEP_MS', async () => {
  const store = new MemoryRetired();
  const ids = await Promise.all(Array.from({ length: MAX_RETIRED + 3 }, () => generateIdentity()));
  const now = Date.UTC(2026, 0, 1);
  store.list = ids.slice(1).map((identity, i) => ({ identity, retiredAt: now - i * 1000 }));
  store.list.push({ identity: await generateIdentity(), retiredAt: now - RETIRED_KEEP_MS - 1 });
  const ring = new IdentityRing(ids[0]!, [], store);
  await ring.load(now);
  assert.equal(ring.all().length, 1 + MAX_RETIRED);
  assert.deepEqual(ring.all().slice(1).map(fp), ids.slice(1, 1 + MAX_RETIRED).map(fp), 'the newest are kept');
  const next = await generateIdentity();
  await ring.prepareRotation(next, now + 1);
  assert.equal(store.list.length, MAX_RETIRED, 'the store holds no more than the bound either');
  assert.equal(fp(store.list[0]!.identity), fp(ids[0]!));
});

test('a store that cannot be written refuses the rotation (STORAGE_FAILED); one that cannot be read is STATE_DAMAGED', async () => {
  const store = new MemoryRetired();
  const [a, b] = await Promise.all([generateIdentity(), generateIdentity()]);
  const ring = new IdentityRing(a, [], store);
  store.fail = true;
  await assert.rejects(ring.prepareRotation(b), (e) => isClientError(e, 'STORAGE_FAILED') && /ENOSPC/.test((e as Error).message));
  assert.equal(ring.current, a);
  const broken: RetiredIdentityStore = { load: async () => Promise.reject(new Error('not JSON')), save: async () => undefined };
  await assert.rejects(new IdentityRing(a, [], broken).load(), (e) => isClientError(e, 'STATE_DAMAGED'));
});

// The cluster engines going away and coming back, seen through a relay the test cuts: PostgreSQL
// refuses writes with UNAVAILABLE and serves again when back; Redis delivery resumes after the
// reconnect, and presence follows the heartbeat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../src/store/store-error.js';
import { PgAccountStore, PgDatabase, PgDeviceQueueStore } from '../src/store/pg/index.js';
import { createTestDatabase } from '../src/store/pg/pg-test-database.js';
import { RedisBus, RedisPresence } from '../src/server/bus/index.js';
import { testRedisPrefix, testRedisUrl, waitFor } from '../src/server/bus/redis-test-prefix.js';
import { tcpProxy } from './support/tcp-proxy.js';

function through(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

test('postgres outage: a write is refused with UNAVAILABLE (nothing stored), and works again once the server is back', async (t) => {
  const { url, open } = await createTestDatabase(t);
  const direct = await open();
  const u = new URL(url);
  const proxy = await tcpProxy(u.hostname, Number(u.port || 5432));
  t.after(() => proxy.close());
  const idleErrors: Error[] = [];
  const db = await PgDatabase.open(through(url, proxy.port), { max: 2, connectTimeoutMs: 1000, onIdleError: (e) => idleErrors.push(e) });
  t.after(() => db.close());
  await new PgAccountStore(db).create({ name: 'bob', bundle: new Uint8Array([2]), fingerprint: new Uint8Array(32).fill(2), now: 1 });
  const device = (await new PgAccountStore(direct).get('bob'))!.devices[0]!.id;
  const queue = new PgDeviceQueueStore(db);
  const send = (n: number) => queue.commit({
    stores: [{ sender: 'alice', senderDevice: undefined, id: new Uint8Array(16).fill(n), kind: 1, toAll: false, conversation: undefined, meta: undefined, payload: new Uint8Array([n]), now: 1, ttlMs: 1e6, devices: [device] }],
    acks: [],
  });
  await send(1);

  proxy.cut();
  const started = Date.now();
  await assert.rejects(send(2), (e) => isStoreError(e, 'UNAVAILABLE') && e.message.includes('nothing was stored'));
  await assert.rejects(queue.page(device, 0, 1e6, 10), (e) => isStoreError(e, 'UNAVAILABLE'));
  assert.ok(Date.now() - started < 5000, 'refused within the connect timeout, not hanging');
  assert.equal((await new PgDeviceQueueStore(direct).counts()).messages, 1, 'the refused send left nothing behind');

  proxy.restore();
  await waitFor('the pool to reconnect', 5000, async () => send(2).then(() => true, () => false));
  assert.deepEqual((await queue.page(device, 0, 1e6, 10)).items.map((i) => [i.seq, i.payload[0]]), [[1, 1], [2, 2]]);
});

test('redis outage: a subscriber on a dropped connection hears again after the reconnect; its presence vanishes and returns', async (t) => {
  const prefix = testRedisPrefix(t);
  const url = testRedisUrl();
  const u = new URL(url);
  const proxy = await tcpProxy(u.hostname, Number(u.port || 6379));
  const errors: Error[] = [];
  const onError = (e: Error) => errors.push(e);
  const got: number[] = [];
  const behind = await RedisBus.connect(through(url, proxy.port), { prefix, onError, onNodeMessage: (p) => got.push(p[0]!) });
  const sender = await RedisBus.connect(url, { prefix, onError: (e) => assert.fail(e), onNodeMessage: () => {} });
  const ttlMs = 600;
  const presence = await RedisPresence.connect(through(url, proxy.port), { prefix, nodeId: 'behind', ttlMs, onError });
  const observer = await RedisPresence.connect(url, { prefix, nodeId: 'observer', ttlMs: 60_000, onError: (e) => assert.fail(e) });
  // One hook, in order: the clients say goodbye through the restored relay, then the relay goes.
  t.after(async () => {
    proxy.restore();
    await Promise.all([behind.close(), sender.close(), observer.close(), presence.close()]);
    await proxy.close();
  });
  presence.start();
  await presence.join('device:aa');
  assert.equal(await sender.publishToNode(behind.nodeId, new Uint8Array([1])), 1);
  await waitFor('the first message', 2000, async () => got.length === 1);

  proxy.cut();
  await waitFor('the cut to be noticed', 3000, async () => (await sender.publishToNode(behind.nodeId, new Uint8Array([2]))) === 0);
  await waitFor('presence to vanish without heartbeats', ttlMs * 4, async () => (await observer.where('device:aa')).length === 0);
  await observer.beat();
  assert.deepEqual(await observer.where('device:aa'), [], 'swept meanwhile by the observer\'s heartbeat');

  proxy.restore();
  await waitFor('resubscription', 10_000, async () => (await sender.publishToNode(behind.nodeId, new Uint8Array([3]))) === 1);
  await waitFor('a message after the reconnect', 2000, async () => got.includes(3));
  await waitFor('presence back with the heartbeat', 10_000, async () => (await observer.where('device:aa')).length === 1);
  assert.ok(errors.length > 0, 'the outage was reported to the owner, not swallowed');
});

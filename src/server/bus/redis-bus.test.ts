import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisBus, type BusHandler } from './redis-bus.js';
import { RedisPresence } from './redis-presence.js';
import { testRedisPrefix, testRedisUrl, waitFor } from './redis-test-prefix.js';

const url = testRedisUrl();
const fail = (e: Error) => assert.fail(`redis error: ${e.message}`);

/** Collects what a handler is given, and waits for it. */
function inbox(): { handler: BusHandler; got: Uint8Array[]; next: (n: number) => Promise<void> } {
  const got: Uint8Array[] = [];
  return { handler: (p) => got.push(p), got, next: (n) => waitFor(`${n} messages`, 2000, async () => got.length >= n).then(() => undefined) };
}

test('bus: a message published on one connection reaches the subscribed node and device on another, byte for byte', async (t) => {
  const prefix = testRedisPrefix(t);
  const toA = inbox();
  const a = await RedisBus.connect(url, { prefix, onError: fail, onNodeMessage: toA.handler });
  const b = await RedisBus.connect(url, { prefix, onError: fail, onNodeMessage: () => assert.fail('nothing is sent to node b') });
  t.after(async () => { await a.close(); await b.close(); });
  assert.notEqual(a.nodeId, b.nodeId);

  const every = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(await b.publishToNode(a.nodeId, every), 1, 'one subscriber: node a');
  await toA.next(1);
  assert.deepEqual(toA.got[0], every);

  const toDevice = inbox();
  await a.subscribeDevice('ab12', toDevice.handler);
  assert.equal(await b.publishToDevice('ab12', new Uint8Array([1, 2, 3])), 1);
  assert.equal(await b.publishToDevice('cd34', new Uint8Array([9])), 0, 'nobody holds that device');
  await toDevice.next(1);
  assert.deepEqual(toDevice.got, [new Uint8Array([1, 2, 3])]);
  await a.unsubscribeDevice('ab12');
  assert.equal(await b.publishToDevice('ab12', new Uint8Array([4])), 0, 'unsubscribed: nobody hears it');
  assert.equal(toA.got.length, 1, 'device messages do not reach the node handler');
});

test('bus: another prefix is another deployment: its messages are not heard', async (t) => {
  const [p1, p2] = [testRedisPrefix(t), testRedisPrefix(t)];
  const heard = inbox();
  const a = await RedisBus.connect(url, { prefix: p1, nodeId: 'n1', onError: fail, onNodeMessage: heard.handler });
  const b = await RedisBus.connect(url, { prefix: p2, nodeId: 'n1', onError: fail, onNodeMessage: () => {} });
  t.after(async () => { await a.close(); await b.close(); });
  assert.equal(await b.publishToNode('n1', new Uint8Array([1])), 1, 'b hears its own node channel');
  assert.equal(heard.got.length, 0);
});

test('presence: names are seen from other nodes; a node whose heartbeat stops vanishes within the TTL, and is then swept', async (t) => {
  const prefix = testRedisPrefix(t);
  const ttlMs = 1500;
  const a = await RedisPresence.connect(url, { prefix, nodeId: 'node-a', ttlMs, onError: fail });
  const b = await RedisPresence.connect(url, { prefix, nodeId: 'node-b', ttlMs, onError: fail });
  t.after(() => b.close());
  // Only a beats on its own: b's beats (which sweep dead nodes) are made by hand below, so the
  // vanishing checked first is the look-up's own expiry check.
  a.start();
  await a.join('device:aa', 'account:alice');
  await b.join('device:bb', 'account:alice');
  assert.deepEqual(await b.where('device:aa'), ['node-a']);
  assert.deepEqual(await a.where('account:alice'), ['node-a', 'node-b']);
  assert.deepEqual(await a.where('device:zz'), []);
  // Heartbeats keep a node present past its TTL.
  await new Promise((r) => setTimeout(r, ttlMs * 1.5));
  assert.deepEqual(await b.where('device:aa'), ['node-a'], 'still there after 1.5 TTL: a beats');

  a.kill();
  const killedAt = Date.now();
  const gone = await waitFor('node-a to vanish', ttlMs * 3, async () => (await b.where('device:aa')).length === 0);
  assert.ok(Date.now() - killedAt <= ttlMs + 500, `vanished ${gone} ms after the kill, TTL ${ttlMs} ms`);
  await b.beat();
  assert.deepEqual(await b.where('account:alice'), ['node-b'], 'the names it shared with live nodes stay theirs');
  const r = new Redis(url);
  t.after(() => r.disconnect());
  assert.equal(await r.exists(`${prefix}names:node-a`), 0, 'its entries were swept from Redis');
  assert.equal(await r.exists(`${prefix}where:device:aa`), 0);
  assert.equal(await r.zscore(`${prefix}nodes`, 'node-a'), null);
});

test('presence: a clean close removes the node at once; a node Redis forgot joins its names again at the next beat', async (t) => {
  const prefix = testRedisPrefix(t);
  const a = await RedisPresence.connect(url, { prefix, nodeId: 'node-a', ttlMs: 60_000, onError: fail });
  const b = await RedisPresence.connect(url, { prefix, nodeId: 'node-b', ttlMs: 60_000, onError: fail });
  t.after(() => b.close());
  await a.join('device:aa');
  await b.join('device:bb');
  await a.close();
  assert.deepEqual(await b.where('device:aa'), [], 'gone without waiting for the TTL');

  // What a Redis restart without persistence does: every key gone.
  const r = new Redis(url);
  t.after(() => r.disconnect());
  const keys = await r.keys(`${prefix}*`);
  await r.del(...keys);
  assert.deepEqual(await b.where('device:bb'), []);
  await b.beat();
  assert.deepEqual(await b.where('device:bb'), ['node-b'], 'back after one heartbeat');
  await b.leave('device:bb');
  assert.deepEqual(await b.where('device:bb'), []);
});

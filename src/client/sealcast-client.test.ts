import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHex, generateIdentity, toHex, type Identity } from '../crypto/index.js';
import { isClientError, type ClientError } from './client-error.js';
import { deliverFrame, fakePeer, FakeServer } from './fake-server.test-support.js';
import { SealcastClient, type ClientEvents, type ClientOptions } from './sealcast-client.js';
import { MemoryStorage } from './storage.js';
import { TrustStore } from './trust-store.js';
import type { RetiredIdentity, RetiredIdentityStore } from './identity-ring.js';

async function client(server: FakeServer, opts: Partial<ClientOptions> & { identity?: Identity } = {}) {
  const identity = opts.identity ?? (await generateIdentity());
  const events: { [K in keyof ClientEvents]?: ClientEvents[K][] } = {};
  const c = new SealcastClient({
    url: 'wss://fake/ws', name: 'alice', identity, connector: server.connector, storage: new MemoryStorage(),
    requestTimeoutMs: 2_000, sendTimeoutMs: 5_000, backoff: { baseMs: 10, maxMs: 50 }, ...opts,
  });
  for (const name of ['message', 'rejected', 'duplicate', 'keyChanged', 'joined', 'left', 'roster', 'disconnected', 'reconnected', 'connected', 'error'] as const) {
    (c.on as (n: string, h: (e: unknown) => void) => void)(name, (e) => void ((events[name] ??= []) as unknown[]).push(e));
  }
  return { c, identity, events };
}

const until = async (pred: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('login: proof over the nonce and observed certificate, roster from Welcome', async () => {
  const server = new FakeServer();
  await fakePeer(server, 'bob');
  const { c, events } = await client(server);
  await c.connect();
  assert.equal(c.state, 'online');
  assert.deepEqual(c.peerList().map((p) => [p.name, p.trust]), [['alice', 'self'], ['bob', 'trusted']]);
  assert.equal(events.connected?.length, 1);
  const login = server.last.received.find((f) => f.body.case === 'login')!;
  assert.equal(login.body.case === 'login' && login.body.value.client, 'sealcast');
  await c.close();
  assert.equal(server.last.closed?.code, 1000);
});

test('a refused login rejects connect() with the wire name', async () => {
  const server = new FakeServer();
  server.refuseLogin = 'NAME_TAKEN';
  const { c } = await client(server);
  await assert.rejects(c.connect(), (e: ClientError) => isClientError(e, 'NAME_TAKEN'));
  assert.equal(c.state, 'idle');
});

test('send: sealed to the peer, resolves on Accepted; an Error reply rejects with its name', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const { c } = await client(server);
  await c.connect();
  const r = await c.send('Bob', 'hello');
  assert.match(r.id, /^[0-9a-f]{32}$/);
  assert.deepEqual([r.deliveredNow, r.stored], [1, 0]);
  const sent = server.last.received.find((f) => f.body.case === 'send')!;
  assert.ok(sent.body.case === 'send' && sent.body.value.to === 'bob' && toHex(sent.body.value.id) === r.id);
  void bob;
  server.onSend = (_conn, f) => ({ req: f.req, body: { case: 'error', value: { code: 24, name: 'MAILBOX_FULL', message: 'full', refId: f.body.case === 'send' ? f.body.value.id : new Uint8Array() } } });
  await assert.rejects(c.send('bob', 'again'), (e: ClientError) => e.code === 'MAILBOX_FULL');
  await assert.rejects(c.send('alice', 'me'), (e: ClientError) => e.code === 'BAD_RECIPIENT');
  await assert.rejects(c.send('nobody', 'x'), (e: ClientError) => e.code === 'UNKNOWN_PEER');
  await assert.rejects(c.send('bob', 'x'.repeat(70_000)), (e: ClientError) => e.code === 'TOO_LARGE');
  await c.close();
});

test('a receipt sent right behind Accepted is announced after send() has resolved', async () => {
  const server = new FakeServer();
  await fakePeer(server, 'bob');
  const { c } = await client(server);
  await c.connect();
  // As the server does when the recipient acked before the message was written.
  server.onSend = (conn, f) => {
    const id = f.body.case === 'send' ? f.body.value.id : new Uint8Array();
    conn.push({ req: f.req, body: { case: 'accepted', value: { id, deliveredNow: 1, stored: 0 } } });
    conn.push({ body: { case: 'delivered', value: { id, by: 'bob' } } });
    return undefined;
  };
  const order: string[] = [];
  const receipt = new Promise<void>((resolve) => c.on('delivered', (d) => (order.push(`delivered ${d.id}`), resolve())));
  const r = await c.send('bob', 'hello');
  order.push(`sent ${r.id}`);
  await receipt;
  assert.deepEqual(order, [`sent ${r.id}`, `delivered ${r.id}`]);
  await c.close();
});

test('a changed peer key: announced once, sending refused (also to all, naming them) until accepted', async () => {
  const server = new FakeServer();
  const bobOld = await generateIdentity();
  await fakePeer(server, 'bob');
  await fakePeer(server, 'carol');
  const storage = new MemoryStorage();
  const trust = await TrustStore.load(storage);
  trust.observe('bob', bobOld.bundle);
  await trust.save();
  const { c, events } = await client(server, { storage });
  await c.connect();
  assert.equal(events.keyChanged?.length, 1);
  assert.equal(events.keyChanged![0]!.previous, toHex(bobOld.bundle.fingerprint));
  await assert.rejects(c.send('bob', 'hi'), (e: ClientError) => e.code === 'KEY_CHANGED' && (e.detail?.peers as string[])[0] === 'bob');
  await assert.rejects(c.send('all', 'hi'), (e: ClientError) => e.code === 'KEY_CHANGED' && /bob/.test(e.message));
  assert.equal(server.last.received.filter((f) => f.body.case === 'send').length, 0, 'nothing left the client');
  await c.who();
  await c.who();
  assert.equal(events.keyChanged?.length, 1, 'not re-announced on every roster sighting');
  assert.equal(c.peerList().find((p) => p.name === 'bob')?.trust, 'changed');
  assert.equal(c.markVerified('bob'), false, 'a pending change cannot be marked verified');
  assert.equal(c.acceptKey('bob'), true);
  assert.equal((await c.send('bob', 'hi')).deliveredNow, 1);
  assert.equal(c.peerList().find((p) => p.name === 'bob')?.trust, 'trusted');
  await c.close();
});

test('deliveries: opened, shown, acked; stored ones arrive in order after the roster', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const aliceId = await generateIdentity();
  const to = { name: 'alice', bundle: aliceId.bundle };
  server.backlog = [await deliverFrame(bob, to, 'one'), await deliverFrame(bob, to, 'two'), await deliverFrame(bob, to, 'three')];
  const { c, events } = await client(server, { identity: aliceId });
  await c.connect();
  await until(() => (events.message?.length ?? 0) === 3);
  assert.deepEqual(events.message!.map((m) => [m.from, m.to, m.text, m.verified]), [
    ['bob', 'alice', 'one', true], ['bob', 'alice', 'two', true], ['bob', 'alice', 'three', true],
  ]);
  await until(() => server.last.received.filter((f) => f.body.case === 'ack').length === 3);
  await c.close();
});

test('bad deliveries are rejected and acked; duplicates acked, not shown', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const carol = await fakePeer(server, 'carol');
  const aliceId = await generateIdentity();
  const to = { name: 'alice', bundle: aliceId.bundle };
  const { c, events } = await client(server, { identity: aliceId });
  await c.connect();
  const conn = server.last;

  const tampered = await deliverFrame(bob, to, 'tampered');
  if (tampered.body?.case === 'deliver') (tampered.body.value.envelope as Uint8Array)[(tampered.body.value.envelope as Uint8Array).length - 70]! ^= 1;
  conn.push(tampered);
  conn.push(await deliverFrame(carol, to, 'carol pretending', { claimedFrom: 'bob' }));
  const once = await deliverFrame(bob, to, 'once');
  conn.push(once);
  conn.push(once);
  conn.push(await deliverFrame(bob, to, 'flag mismatch', { toAll: false }).then((f) => (f.body?.case === 'deliver' && (f.body.value.toAll = true), f)));
  await until(() => conn.received.filter((f) => f.body.case === 'ack').length === 5);
  assert.deepEqual(events.message?.map((m) => m.text), ['once']);
  assert.deepEqual(events.duplicate?.length, 1);
  assert.deepEqual(events.rejected?.map((r) => r.code), ['BAD_SIGNATURE', 'WRONG_SENDER', 'BAD_ENVELOPE']);
  await c.close();
});

test('beforeAck: the ack waits until the app has kept the message; a failing hook reports and still acks', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const aliceId = await generateIdentity();
  const to = { name: 'alice', bundle: aliceId.bundle };
  let release!: () => void;
  const kept: string[] = [];
  let fail = false;
  const { c, events } = await client(server, {
    identity: aliceId,
    beforeAck: async (m) => {
      if (fail) throw new Error('disk full');
      await new Promise<void>((r) => (release = r));
      kept.push(m.id);
    },
  });
  await c.connect();
  const conn = server.last;
  conn.push(await deliverFrame(bob, to, 'keep me'));
  await until(() => events.message?.length === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(conn.received.filter((f) => f.body.case === 'ack').length, 0, 'no ack while the app is still writing');
  release();
  await until(() => conn.received.filter((f) => f.body.case === 'ack').length === 1);
  assert.deepEqual(kept, [events.message![0]!.id]);
  fail = true;
  conn.push(await deliverFrame(bob, to, 'cannot keep'));
  await until(() => conn.received.filter((f) => f.body.case === 'ack').length === 2);
  assert.match(events.error?.[0]?.message ?? '', /could not be kept: disk full/);
  await c.close();
});

test('receive: false leaves deliveries on the server (no ack, no event)', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const aliceId = await generateIdentity();
  server.backlog = [await deliverFrame(bob, { name: 'alice', bundle: aliceId.bundle }, 'keep me')];
  const { c, events } = await client(server, { identity: aliceId, receive: false });
  await c.connect();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(events.message, undefined);
  assert.equal(server.last.received.filter((f) => f.body.case === 'ack').length, 0);
  await c.close();
});

test('after a key change, messages sealed with the still-trusted key verify; the new key is flagged', async () => {
  const server = new FakeServer();
  const bobOld = await generateIdentity();
  const bobNew = await fakePeer(server, 'bob');
  const storage = new MemoryStorage();
  const trust = await TrustStore.load(storage);
  trust.observe('bob', bobOld.bundle);
  await trust.save();
  const aliceId = await generateIdentity();
  const to = { name: 'alice', bundle: aliceId.bundle };
  server.backlog = [await deliverFrame({ name: 'bob', identity: bobOld }, to, 'sent before the change'), await deliverFrame(bobNew, to, 'new key')];
  const { c, events } = await client(server, { identity: aliceId, storage });
  await c.connect();
  await until(() => (events.message?.length ?? 0) === 2);
  assert.deepEqual(events.message!.map((m) => [m.text, m.verified]), [['sent before the change', true], ['new key', false]]);
  await c.close();
});

test('our own rotation: new key signs in; messages sealed to the old key still open', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const oldId = await generateIdentity();
  const { c, events } = await client(server, { identity: oldId });
  await c.connect();
  const newId = await generateIdentity();
  await c.rotateKey(newId);
  assert.equal(c.identity, newId);
  assert.equal(toHex(server.registered.get('alice')!), toHex(newId.bundle.bytes));
  server.last.push(await deliverFrame(bob, { name: 'alice', bundle: oldId.bundle }, 'in flight to the old key'));
  await until(() => (events.message?.length ?? 0) === 1);
  assert.equal(events.message![0]!.text, 'in flight to the old key');
  await c.close();
});

test('autoReconnect: a dropped connection is reopened and an unaccepted send goes again with the same id', async () => {
  const server = new FakeServer();
  await fakePeer(server, 'bob');
  const { c, events } = await client(server, { autoReconnect: true });
  await c.connect();
  let first = true;
  server.onSend = (conn, f) => {
    if (f.body.case !== 'send') return undefined;
    if (first) {
      first = false;
      server.refuseConnections = 2; // the next two attempts fail: backoff continues
      conn.close(1006, '');
      return undefined;
    }
    return { req: f.req, body: { case: 'accepted', value: { id: f.body.value.id, deliveredNow: 0, stored: 1 } } };
  };
  const r = await c.send('bob', 'survives');
  assert.equal(r.stored, 1);
  const ids = server.connections.flatMap((k) => k.received).filter((f) => f.body.case === 'send').map((f) => (f.body.case === 'send' ? toHex(f.body.value.id) : ''));
  assert.deepEqual(ids, [r.id, r.id], 'resent with the same id');
  assert.equal(events.disconnected?.[0]?.willReconnect, true);
  assert.equal(events.reconnected?.length, 1);
  assert.equal(server.connections.length, 2);
  await c.close();
});

test('no reconnect after being replaced (4011) or after close(); sends fail with CLOSED', async () => {
  const server = new FakeServer();
  await fakePeer(server, 'bob');
  const { c, events } = await client(server, { autoReconnect: true });
  await c.connect();
  server.onSend = () => undefined;
  const pending = c.send('bob', 'lost');
  await until(() => server.last.received.some((f) => f.body.case === 'send'));
  server.last.close(4011, 'logged in elsewhere');
  await assert.rejects(pending, (e: ClientError) => e.code === 'CLOSED');
  assert.equal(events.disconnected?.[0]?.willReconnect, false);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(server.connections.length, 1);
  await c.close();
  await assert.rejects(c.send('bob', 'x'), (e: ClientError) => e.code === 'CLOSED');
});

test('replay window and peer keys persist across clients sharing storage', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const aliceId = await generateIdentity();
  const storage = new MemoryStorage();
  const frame = await deliverFrame(bob, { name: 'alice', bundle: aliceId.bundle }, 'only once');
  server.backlog = [frame];
  const a = await client(server, { identity: aliceId, storage });
  await a.c.connect();
  await until(() => (a.events.message?.length ?? 0) === 1);
  await a.c.close();
  const b = await client(server, { identity: aliceId, storage });
  await b.c.connect();
  await until(() => (b.events.duplicate?.length ?? 0) === 1);
  assert.equal(b.events.message, undefined, 'the redelivery is recognised after a restart');
  assert.ok(JSON.parse((await storage.get('peers'))!).bob, 'bob is remembered');
  await b.c.close();
  void fromHex;
});

test('a damaged peer record stops the login (STATE_DAMAGED) instead of trusting the next key as new', async () => {
  const server = new FakeServer();
  const carolOld = await generateIdentity();
  await fakePeer(server, 'carol'); // the server now announces another key for carol
  const storage = new MemoryStorage();
  const trust = await TrustStore.load(storage);
  trust.observe('carol', carolOld.bundle);
  await trust.save();
  const stored = JSON.parse((await storage.get('peers'))!);
  stored.carol.fingerprint = stored.carol.fingerprint.slice(0, 40); // one damaged record
  await storage.set('peers', JSON.stringify(stored));
  const { c, events } = await client(server, { storage });
  await assert.rejects(c.connect(), (e: ClientError) => e.code === 'STATE_DAMAGED' && /"carol"/.test(e.message));
  assert.equal(server.connections.length, 0, 'nothing was sent');
  assert.equal(events.keyChanged, undefined);
});

test('a failed state write (disk full) is an error event and a rejected close, never an unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const server = new FakeServer();
    await fakePeer(server, 'bob');
    await fakePeer(server, 'carol');
    const storage = new MemoryStorage();
    storage.set = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const { c, events } = await client(server, { storage });
    await c.connect();
    await until(() => (events.error ?? []).some((e) => e.code === 'STORAGE_FAILED'));
    assert.match(events.error!.find((e) => e.code === 'STORAGE_FAILED')!.message, /could not be saved: ENOSPC/);
    assert.equal(c.state, 'online', 'the session goes on');
    await assert.rejects(c.close(), (e: ClientError) => e.code === 'STORAGE_FAILED');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('first contact with 1,000 names is one batched state write, not one per name', async () => {
  const server = new FakeServer();
  const ids = await Promise.all(Array.from({ length: 4 }, () => generateIdentity()));
  for (let i = 0; i < 1000; i++) server.registered.set(`peer${i}`, ids[i % ids.length]!.bundle.bytes);
  const storage = new MemoryStorage();
  const writes: string[] = [];
  const set = storage.set.bind(storage);
  storage.set = async (k, v) => {
    writes.push(k);
    return set(k, v);
  };
  const { c } = await client(server, { storage, requestTimeoutMs: 60_000 });
  await c.connect();
  assert.equal(c.peerList().length, 1001);
  await c.close();
  assert.deepEqual(writes, ['peers'], 'one write of the peer keys, after the Welcome');
  assert.equal(Object.keys(JSON.parse((await storage.get('peers'))!)).length, 1000, 'every name is kept');
});

const EVIL_NAME = '\u001b]0;owned\u0007\u001b[2J' + 'x'.repeat(5_000);

test('server frames are checked like client frames: a Welcome naming a peer with 5,000 characters of escapes is refused', async () => {
  const server = new FakeServer();
  await fakePeer(server, 'bob');
  server.registered.set(EVIL_NAME, (await generateIdentity()).bundle.bytes);
  const { c } = await client(server);
  await assert.rejects(c.connect(), (e: ClientError) =>
    e.code === 'BAD_SERVER_FRAME' && /welcome\.peers\.name: not a valid user name \(5014 characters\)/.test(e.message) && !e.message.includes('\u001b'));
  assert.equal(c.state, 'idle');
  assert.deepEqual(c.peerList().map((p) => p.name), [], 'nothing of that roster was learned');
});

test('bad names, titles, counts and texts in pushes and replies are refused with the field named', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const aliceId = await generateIdentity();
  const { c, events } = await client(server, { identity: aliceId });
  await c.connect();
  const conn = server.last;
  const errors = () => (events.error ?? []).filter((e) => e.code === 'BAD_SERVER_FRAME').map((e) => e.message);

  // A push: a roster update for a peer whose name is not a user name.
  conn.push({ body: { case: 'rosterUpdate', value: { event: 1, peer: { name: 'Bob\u009b2J', bundle: bob.identity.bundle.bytes, online: true } } } });
  await until(() => errors().length === 1);
  assert.match(errors()[0]!, /roster_update\.peer\.name: not a valid user name/);
  assert.deepEqual(c.peerList().map((p) => p.name), ['alice', 'bob']);
  assert.equal(events.joined, undefined);

  // A delivery from an invalid name is dropped, not opened, not acknowledged.
  const d = await deliverFrame(bob, { name: 'alice', bundle: aliceId.bundle }, 'hi');
  if (d.body?.case === 'deliver') d.body.value.from = 'bob\u202e';
  conn.push(d);
  await until(() => errors().length === 2);
  assert.match(errors()[1]!, /deliver\.from/);
  assert.equal(conn.received.filter((f) => f.body.case === 'ack').length, 0);

  // Replies: the request that waits for them fails at once with the reason.
  const reply = async (pred: (f: { body: { case?: string } }) => boolean, body: Parameters<typeof conn.push>[0]['body']) => {
    const f = await conn.waitFor(pred);
    conn.push({ req: f.req, body });
  };
  const title = { name: '../../etc', durationMs: 1, renditions: [], state: 'ready', progress: 0, error: '' };
  let asked = reply((f) => f.body.case === 'videoListRequest', { case: 'videoList', value: { titles: [title] } });
  await assert.rejects(c.listVideos(), (e: ClientError) => e.code === 'BAD_SERVER_FRAME' && /video_list\.titles\.name: looks like a path/.test(e.message));
  await asked;
  conn.received.length = 0;
  const many = Array.from({ length: 17 }, () => ({ height: 240, width: 426, bandwidth: 1 }));
  asked = reply((f) => f.body.case === 'videoListRequest', { case: 'videoList', value: { titles: [{ ...title, name: 'clip', renditions: many }] } });
  await assert.rejects(c.listVideos(), (e: ClientError) => /video_list\.titles\.renditions: at most 16 entries, got 17/.test(e.message));
  await asked;
  conn.received.length = 0;
  asked = reply((f) => f.body.case === 'pendingRequest', { case: 'error', value: { code: 99, name: 'OOPS', message: 'fine\u001b[1A\u001b[2Kforged line' } });
  await assert.rejects(c.pending(), (e: ClientError) => e.code === 'BAD_SERVER_FRAME' && /error\.message: control or bidirectional characters/.test(e.message));
  await asked;
  // The positive control: well-formed answers pass.
  conn.received.length = 0;
  asked = reply((f) => f.body.case === 'videoListRequest', { case: 'videoList', value: { titles: [{ ...title, name: 'clip 2 (final)' }] } });
  assert.deepEqual((await c.listVideos()).map((t) => t.name), ['clip 2 (final)']);
  await asked;
  await c.close();
});

test('after a rotation and a restart, mail sealed to the old key still opens (retired identities on disk)', async () => {
  const server = new FakeServer();
  const bob = await fakePeer(server, 'bob');
  const oldId = await generateIdentity();
  let kept: RetiredIdentity[] = [];
  const retiredStore: RetiredIdentityStore = { load: async () => kept, save: async (list) => void (kept = list) };
  const storage = new MemoryStorage();
  const first = await client(server, { identity: oldId, retiredStore, storage });
  await first.c.connect();
  const newId = await generateIdentity();
  await first.c.rotateKey(newId);
  await first.c.close();
  // Sealed to the old key before bob learned of the rotation, delivered after the restart.
  server.backlog = [await deliverFrame(bob, { name: 'alice', bundle: oldId.bundle }, 'sealed to your old key')];
  const restarted = await client(server, { identity: newId, retiredStore, storage });
  await restarted.c.connect();
  await until(() => (restarted.events.message?.length ?? 0) + (restarted.events.rejected?.length ?? 0) === 1);
  assert.deepEqual(restarted.events.rejected, undefined);
  assert.equal(restarted.events.message![0]!.text, 'sealed to your old key');
  const ack = await server.last.waitFor((f) => f.body.case === 'ack');
  assert.equal(ack.body.case === 'ack' && ack.body.value.rejected, '', 'acknowledged as opened');
  await restarted.c.close();
});

test('a rotation whose old key cannot be kept is refused before anything is sent', async () => {
  const server = new FakeServer();
  await fakePeer(server, 'bob');
  const retiredStore: RetiredIdentityStore = { load: async () => [], save: async () => Promise.reject(new Error('ENOSPC: no space left on device')) };
  const { c, identity } = await client(server, { retiredStore });
  await c.connect();
  await assert.rejects(c.rotateKey(await generateIdentity()), (e: ClientError) => e.code === 'STORAGE_FAILED');
  assert.equal(c.identity, identity);
  assert.equal(server.last.received.filter((f) => f.body.case === 'keyRotation').length, 0);
  await c.close();
});

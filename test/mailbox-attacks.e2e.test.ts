// Attacks on the mailbox (issue 12 items 1, 2 and 5), each performed against a real server process:
// a backlog larger than the slow-consumer bound, a login over a large stored backlog, and a sender
// reusing another sender's message id to make a recipient's acknowledgement delete the wrong message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { randomId, sealEnvelope, toHex, type Identity } from '../src/crypto/index.js';
import type { ServerFrame } from '../src/protocol/index.js';
import type { RawClient } from './support/raw-client.js';
import { rawLogin } from './support/raw-login.js';
import { rssBytes } from './support/proc-memory.js';
import { removeDir, spawnServer, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;

before(async () => {
  server = await spawnServer({
    env: {
      // The attacks need volume, not the default per-client message rate.
      SEALCAST_MESSAGES_PER_SECOND: '5000',
      SEALCAST_MESSAGE_BURST: '5000',
    },
  });
});

after(async () => {
  await server.stop();
  removeDir(server.dataDir);
});

function errorName(f: ServerFrame): string | undefined {
  return f.body.case === 'error' ? f.body.value.name : undefined;
}

async function sendTo(from: { client: RawClient; identity: Identity }, fromName: string, to: { name: string; bundle: Identity['bundle'] }[], opts: { id?: Uint8Array; bytes?: number; toAll?: boolean } = {}) {
  const id = opts.id ?? randomId();
  const envelope = await sealEnvelope({
    sender: from.identity, senderName: fromName, recipients: to, id, ts: Date.now(), toAll: opts.toAll ?? false,
    plaintext: new Uint8Array(randomBytes(opts.bytes ?? 100)),
  });
  const value = opts.toAll ? { id, toAll: true, envelope } : { id, to: to[0]!.name, envelope };
  const reply = await from.client.reply(from.client.send({ body: { case: 'send', value } }));
  return { id, reply };
}

/** Many messages at once: sealed first, then sent without waiting for each Accepted (a group commit each). */
async function sendMany(from: { client: RawClient; identity: Identity }, fromName: string, to: { name: string; bundle: Identity['bundle'] }, count: number, bytes: number): Promise<string[]> {
  const ids: string[] = [];
  const replies: Promise<ServerFrame>[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomId();
    const envelope = await sealEnvelope({
      sender: from.identity, senderName: fromName, recipients: [to], id, ts: Date.now(), toAll: false, plaintext: new Uint8Array(randomBytes(bytes)),
    });
    ids.push(toHex(id));
    replies.push(from.client.reply(from.client.send({ body: { case: 'send', value: { id, to: to.name, envelope } } }), 60_000));
  }
  for (const r of await Promise.all(replies)) assert.equal(r.body.case, 'accepted', errorName(r));
  return ids;
}

/** Logs in as `name` and acknowledges every delivery as it comes; resolves with the ids once `count` arrived. */
async function drain(name: string, identity: Identity, count: number, timeoutMs = 60_000): Promise<{ ids: Set<string>; client: RawClient }> {
  const { client } = await rawLogin(server.url, name, { identity });
  const ids = new Set<string>();
  const end = Date.now() + timeoutMs;
  let handled = 0;
  while (ids.size < count) {
    assert.ok(Date.now() < end, `only ${ids.size} of ${count} delivered`);
    assert.equal(client.closeCode, undefined, `the connection was closed (${client.closeCode}) after ${ids.size}`);
    const frames = client.frames.filter((f) => f.body.case === 'deliver');
    for (const f of frames.slice(handled)) {
      if (f.body.case !== 'deliver') continue;
      ids.add(toHex(f.body.value.id));
      client.send({ body: { case: 'ack', value: { id: f.body.value.id } } });
    }
    handled = frames.length;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ids, client };
}

test('a stored backlog larger than the slow-consumer bound (8 MiB) reaches its recipient in windows; none is stuck', async () => {
  const sleeper = await rawLogin(server.url, 'sleeper1');
  sleeper.client.close();
  await sleeper.client.waitClose();
  const writer = await rawLogin(server.url, 'writer1');
  // 140 messages of 64 KiB: 9 MiB, over the 8 MiB queue bound that cut the recipient off for good before.
  const sent = await sendMany(writer, 'writer1', { name: 'sleeper1', bundle: sleeper.identity.bundle }, 140, 64 * 1024);
  const { ids, client } = await drain('sleeper1', sleeper.identity, 140);
  assert.deepEqual([...ids].sort(), [...sent].sort(), 'every message, each once');
  client.close();
  writer.client.close();
});

test('a login over a large backlog reads it a window at a time: the server\'s memory does not follow the backlog', async () => {
  const sleeper = await rawLogin(server.url, 'sleeper2');
  sleeper.client.close();
  await sleeper.client.waitClose();
  const writer = await rawLogin(server.url, 'writer2');
  await sendMany(writer, 'writer2', { name: 'sleeper2', bundle: sleeper.identity.bundle }, 600, 60_000);
  writer.client.close();
  await new Promise((r) => setTimeout(r, 500));
  const before = rssBytes(server.proc.pid!);
  // Three logins that read nothing: each is sent one window (1 MiB) and no more.
  const readers: RawClient[] = [];
  for (let i = 0; i < 3; i++) {
    const { client } = await rawLogin(server.url, 'sleeper2', { identity: sleeper.identity });
    await client.waitFor((f) => f.body.case === 'deliver');
    readers.push(client);
  }
  await new Promise((r) => setTimeout(r, 500));
  const grown = rssBytes(server.proc.pid!) - before;
  // 36 MB are stored; before, each login read all of them (up to 1,000) into memory: 108 MB for three.
  assert.ok(grown < 30 * 1024 * 1024, `server memory grew ${(grown / 1048576).toFixed(1)} MiB for three logins over a 36 MB backlog`);
  const last = readers[readers.length - 1]!;
  const delivered = last.frames.filter((f) => f.body.case === 'deliver').length;
  assert.ok(delivered <= 20, `one window: ${delivered} deliveries of 60 KB`);
  for (const r of readers) r.close();
});

test('an id already held for a recipient is refused from another sender: an ack can only ever mean one message', async () => {
  const bob = await rawLogin(server.url, 'bob3');
  bob.client.close();
  await bob.client.waitClose();
  const alice = await rawLogin(server.url, 'alice3');
  const mallory = await rawLogin(server.url, 'mallory3');
  // alice writes to everyone: mallory learns the id.
  const { id, reply } = await sendTo(alice, 'alice3', [
    { name: 'bob3', bundle: bob.identity.bundle }, { name: 'mallory3', bundle: mallory.identity.bundle },
  ], { toAll: true });
  assert.equal(reply.body.case, 'accepted', errorName(reply));
  const mine = await mallory.client.waitFor((f) => f.body.case === 'deliver');
  assert.ok(mine.body.case === 'deliver' && toHex(mine.body.value.id) === toHex(id));
  // mallory reuses alice's id for a message to bob, who still holds alice's.
  const forged = await sendTo(mallory, 'mallory3', [{ name: 'bob3', bundle: bob.identity.bundle }], { id });
  assert.equal(errorName(forged.reply), 'DUPLICATE_ID');
  // bob acknowledges alice's message; only then is the id free for mallory.
  const { client } = await drain('bob3', bob.identity, 1);
  const delivered = await alice.client.waitFor((f) => f.body.case === 'delivered');
  assert.ok(delivered.body.case === 'delivered' && delivered.body.value.by === 'bob3');
  // An acknowledgement of an id bob was never sent acknowledges nothing, and nobody hears "delivered".
  const other = await rawLogin(server.url, 'carol3');
  const unsent = await sendTo(other, 'carol3', [{ name: 'mallory3', bundle: mallory.identity.bundle }]);
  assert.equal(unsent.reply.body.case, 'accepted');
  client.send({ body: { case: 'ack', value: { id: unsent.id } } });
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!other.client.frames.some((f) => f.body.case === 'delivered'), 'no false receipt');
  for (const c of [client, alice.client, mallory.client, other.client]) c.close();
});

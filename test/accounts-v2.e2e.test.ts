// Protocol v2 accounts and devices against a real server process (TLS, WebSocket, SQLite): several
// devices of one account online at once, short sessions that disturb nobody, signed device lists
// (adding, removing, stale versions), the directory, per-device queues acknowledged by seq.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomId, sealEnvelope, toHex } from '../src/crypto/index.js';
import { CLOSE_CODES, type ServerFrame } from '../src/protocol/index.js';
import { rawLogin } from './support/raw-login.js';
import { queueItems, rawLoginV2, TestAccount } from './support/raw-login-v2.js';
import { removeDir, spawnServer, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;

before(async () => {
  server = await spawnServer();
});

after(async () => {
  await server.stop();
  removeDir(server.dataDir);
});

function errorName(f: ServerFrame): string | undefined {
  return f.body.case === 'error' ? f.body.value.name : undefined;
}

test('v2: an account registers with its signed device list; the Welcome carries no registry', async () => {
  const alice = await TestAccount.create('alice2', 2);
  const { client, welcome } = await rawLoginV2(server.url, alice, alice.devices[0]!, { deviceList: await alice.list() });
  assert.equal(welcome.body.case, 'welcome', errorName(welcome));
  if (welcome.body.case !== 'welcome') return;
  const w = welcome.body.value;
  assert.equal(w.registered, true);
  assert.equal(w.peers.length, 0, 'no registry in a v2 Welcome');
  assert.deepEqual(w.deviceId, alice.devices[0]!.id);
  assert.equal(w.keyPackages, 0);
  client.close();
  // The second device logs in without carrying the list: the server holds it.
  const second = await rawLoginV2(server.url, alice, alice.devices[1]!);
  assert.equal(second.welcome.body.case, 'welcome', errorName(second.welcome));
  if (second.welcome.body.case === 'welcome') assert.equal(second.welcome.body.value.registered, false);
  second.client.close();
});

test('v2: both devices of an account receive what is sent to it; each acknowledges by seq; the sender hears both', async () => {
  const alice = await TestAccount.create('alice3', 2);
  const a1 = await rawLoginV2(server.url, alice, alice.devices[0]!, { deviceList: await alice.list() });
  const a2 = await rawLoginV2(server.url, alice, alice.devices[1]!);
  const bob = await rawLogin(server.url, 'bob3');
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: bob.identity, senderName: 'bob3', recipients: [{ name: 'alice3', bundle: alice.identity.bundle }], id, ts: Date.now(),
    toAll: false, plaintext: new TextEncoder().encode('to both of your devices'),
  });
  const accepted = await bob.client.reply(bob.client.send({ body: { case: 'send', value: { id, to: 'alice3', envelope } } }));
  assert.equal(accepted.body.case, 'accepted', errorName(accepted));
  if (accepted.body.case === 'accepted') assert.equal(accepted.body.value.deliveredNow, 2);
  for (const dev of [a1, a2]) {
    await dev.client.waitFor((f) => f.body.case === 'queueItems');
    const [item] = queueItems(dev.client);
    assert.ok(item && item.body.case === 'envelope');
    assert.equal(item.from, 'bob3');
    assert.deepEqual(item.id, id);
    assert.deepEqual(item.body.value.envelope, envelope);
    dev.client.send({ body: { case: 'queueAck', value: { upToSeq: item.seq } } });
  }
  const receipts = await Promise.all([0, 1].map(() => bob.client.waitFor((f) => f.body.case === 'delivered')));
  assert.ok(receipts.length === 2);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(bob.client.frames.filter((f) => f.body.case === 'delivered').length, 2, 'one receipt per device');
  for (const c of [a1.client, a2.client, bob.client]) c.close();
});

test('v2: a short session never disturbs the device\'s receiving session; a second receiving session takes over', async () => {
  const alice = await TestAccount.create('alice4', 1);
  const main = await rawLoginV2(server.url, alice, alice.devices[0]!, { deviceList: await alice.list() });
  const short = await rawLoginV2(server.url, alice, alice.devices[0]!, { receive: false });
  assert.equal(short.welcome.body.case, 'welcome');
  short.client.close();
  const ping = await main.client.reply(main.client.send({ body: { case: 'ping', value: { ts: 5n } } }));
  assert.equal(ping.body.case, 'pong', 'the receiving session is still there');
  assert.equal(main.client.closeCode, undefined);
  const again = await rawLoginV2(server.url, alice, alice.devices[0]!);
  assert.equal(await main.client.waitClose(), CLOSE_CODES.REPLACED);
  again.client.close();
});

test('v2: removing a device closes its sessions at once (4013) and its key no longer logs in; stale lists are refused', async () => {
  const alice = await TestAccount.create('alice5', 2);
  const [keep, lost] = alice.devices as [typeof alice.devices[0], typeof alice.devices[0]];
  const a1 = await rawLoginV2(server.url, alice, keep, { deviceList: await alice.list() });
  const a2 = await rawLoginV2(server.url, alice, lost);
  const stale = await alice.list([keep], 1);
  const refused = await a1.client.reply(a1.client.send({ body: { case: 'deviceListUpdate', value: { deviceList: stale } } }));
  assert.equal(errorName(refused), 'STALE_DEVICE_LIST');
  const reply = await a1.client.reply(a1.client.send({ body: { case: 'deviceListUpdate', value: { deviceList: await alice.list([keep]) } } }));
  assert.equal(reply.body.case, 'deviceList', errorName(reply));
  assert.equal(await a2.client.waitClose(), CLOSE_CODES.DEVICE_REMOVED);
  const back = await rawLoginV2(server.url, alice, lost);
  assert.equal(errorName(back.welcome), 'UNKNOWN_DEVICE');
  // Nor can it come back with the old list it still holds.
  const withOld = await rawLoginV2(server.url, alice, lost, { deviceList: stale });
  assert.equal(errorName(withOld.welcome), 'UNKNOWN_DEVICE');
  a1.client.close();
});

test('v2: a device list signed by another key, or not naming the device, is refused; one identity key holds one account', async () => {
  const alice = await TestAccount.create('alice6', 1);
  const mallory = await TestAccount.create('alice6', 1);
  const first = await rawLoginV2(server.url, alice, alice.devices[0]!, { deviceList: await alice.list() });
  first.client.close();
  const taken = await rawLoginV2(server.url, mallory, mallory.devices[0]!, { deviceList: await mallory.list() });
  assert.equal(errorName(taken.welcome), 'NAME_TAKEN');
  const stranger = await alice.addDevice();
  const notNamed = await rawLoginV2(server.url, alice, stranger);
  assert.equal(errorName(notNamed.welcome), 'UNKNOWN_DEVICE');
  // The same identity under a second name: refused.
  const twin = await TestAccount.create('alice6b', 1);
  Object.assign(twin, { identity: alice.identity });
  const second = await rawLoginV2(server.url, twin, twin.devices[0]!, { deviceList: await twin.list() });
  assert.equal(errorName(second.welcome), 'KEY_IN_USE');
});

test('v2: the directory answers on demand, v1-only accounts are marked, unknown names listed apart', async () => {
  const alice = await TestAccount.create('alice7', 1);
  const a = await rawLoginV2(server.url, alice, alice.devices[0]!, { deviceList: await alice.list() });
  const v1 = await rawLogin(server.url, 'oldtimer7');
  const reply = await a.client.reply(a.client.send({ body: { case: 'lookup', value: { names: ['oldtimer7', 'Alice7', 'nobody7'] } } }));
  assert.equal(reply.body.case, 'directory', errorName(reply));
  if (reply.body.case !== 'directory') return;
  const byName = new Map(reply.body.value.accounts.map((x) => [x.name, x]));
  assert.equal(byName.get('oldtimer7')?.v1Only, true);
  assert.deepEqual(byName.get('oldtimer7')?.bundle, v1.identity.bundle.bytes);
  assert.equal(byName.get('alice7')?.v1Only, false);
  assert.ok((byName.get('alice7')?.deviceList.byteLength ?? 0) > 0);
  assert.deepEqual(reply.body.value.unknown, ['nobody7']);
  a.client.close();
  v1.client.close();
});

test('v2: key packages are uploaded in batches, claimed once per device, then the last-resort one; low water is signalled', async () => {
  const bob = await TestAccount.create('bob8', 2);
  const carol = await TestAccount.create('carol8', 1);
  const b1 = await rawLoginV2(server.url, bob, bob.devices[0]!, { deviceList: await bob.list() });
  const b2 = await rawLoginV2(server.url, bob, bob.devices[1]!);
  const c = await rawLoginV2(server.url, carol, carol.devices[0]!, { deviceList: await carol.list() });
  // Key packages must at least look like MLS key packages (version 1, wire format 5, version, suite 1).
  const kp = (n: number) => Uint8Array.from([0, 1, 0, 5, 0, 1, 0, 1, n]);
  const up = await b1.client.reply(b1.client.send({ body: { case: 'keyPackageUpload', value: { keyPackages: [kp(1), kp(2)], lastResort: kp(99) } } }));
  assert.equal(up.body.case, 'keyPackageStatus', errorName(up));
  if (up.body.case === 'keyPackageStatus') assert.deepEqual([up.body.value.remaining, up.body.value.lastResort, up.body.value.low], [2, true, true]);
  const bad = await b1.client.reply(b1.client.send({ body: { case: 'keyPackageUpload', value: { keyPackages: [Uint8Array.from([0, 1, 0, 1, 0])] } } }));
  assert.equal(errorName(bad), 'BAD_MLS_MESSAGE');
  const claims: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const r = await c.client.reply(c.client.send({ body: { case: 'keyPackageClaim', value: { names: ['bob8', 'nobody8'] } } }));
    assert.equal(r.body.case, 'claimedKeyPackages', errorName(r));
    if (r.body.case !== 'claimedKeyPackages') return;
    claims.push(r.body.value.packages.filter((p) => toHex(p.deviceId) === toHex(bob.devices[0]!.id)).map((p) => p.keyPackage[8]!));
    assert.deepEqual(r.body.value.unknown, ['nobody8']);
    assert.deepEqual(r.body.value.noPackages, ['bob8'], 'bob\'s second device has none');
  }
  assert.deepEqual(claims, [[1], [2], [99]], 'oldest first, each once, then the last-resort one');
  await b1.client.waitFor((f) => f.req === 0 && f.body.case === 'keyPackageStatus' && f.body.value.low);
  for (const x of [b1, b2, c]) x.client.close();
});

test('v1 and v2 side by side: a v1 client talks to a v2 account, and what was stored for a v1 identity reaches its v2 device', async () => {
  const old = await TestAccount.create('migrant9', 1);
  // First a v1 client of this identity, then mail arrives while it is away.
  const v1 = await rawLogin(server.url, 'migrant9', { identity: old.identity });
  v1.client.close();
  await v1.client.waitClose();
  const sender = await rawLogin(server.url, 'sender9');
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: sender.identity, senderName: 'sender9', recipients: [{ name: 'migrant9', bundle: old.identity.bundle }], id, ts: Date.now(),
    toAll: false, plaintext: new TextEncoder().encode('kept for you'),
  });
  const accepted = await sender.client.reply(sender.client.send({ body: { case: 'send', value: { id, to: 'migrant9', envelope } } }));
  assert.equal(accepted.body.case, 'accepted');
  // The same identity now logs in as a v2 device: the account gets its device list, and the stored mail.
  const v2 = await rawLoginV2(server.url, old, old.devices[0]!, { deviceList: await old.list() });
  assert.equal(v2.welcome.body.case, 'welcome', errorName(v2.welcome));
  await v2.client.waitFor((f) => f.body.case === 'queueItems');
  const [item] = queueItems(v2.client);
  assert.ok(item && item.body.case === 'envelope');
  assert.deepEqual(item.id, id);
  v2.client.close();
  sender.client.close();
});

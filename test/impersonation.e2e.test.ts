// Who can claim to be alice: login and sending, against a real server process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateIdentity, randomId, sealEnvelope, signLogin } from '../src/crypto/index.js';
import { CLOSE_CODES, PROTOCOL_VERSION, type ServerFrame } from '../src/protocol/index.js';
import { RawClient } from './support/raw-client.js';
import { rawLogin } from './support/raw-login.js';
import { spawnServer, type ServerProcess } from './support/server-process.js';
import { removeDir } from './support/server-process.js';

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

test('a different key cannot take a registered name; the same key may come back', async () => {
  const alice = await rawLogin(server.url, 'alice');
  assert.equal(alice.welcome.body.case, 'welcome');
  alice.client.close();

  const mallory = await rawLogin(server.url, 'alice');
  assert.equal(errorName(mallory.welcome), 'NAME_TAKEN');
  assert.equal(await mallory.client.waitClose(), CLOSE_CODES.AUTH_FAILED);

  const again = await rawLogin(server.url, 'Alice', { identity: alice.identity });
  assert.equal(again.welcome.body.case, 'welcome', 'same key, name in another case');
  again.client.close();
});

test("alice's bundle with a signature by another key is refused (BAD_PROOF)", async () => {
  const alice = await generateIdentity();
  const mallory = await generateIdentity();
  const c = await RawClient.connect(server.url);
  const ch = await c.waitFor((f) => f.body.case === 'challenge');
  if (ch.body.case !== 'challenge') throw new Error('unreachable');
  const sig = await signLogin(mallory, ch.body.value.nonce, await c.peerCertFingerprint(), 'alice2');
  const req = c.send({ body: { case: 'login', value: { protocolVersion: PROTOCOL_VERSION, name: 'alice2', bundle: alice.bundle.bytes, signature: sig } } });
  assert.equal(errorName(await c.reply(req)), 'BAD_PROOF');
});

test('a login proof cannot be replayed on another connection or bound to another certificate', async () => {
  const id = await generateIdentity();
  const first = await RawClient.connect(server.url);
  const ch = await first.waitFor((f) => f.body.case === 'challenge');
  if (ch.body.case !== 'challenge') throw new Error('unreachable');
  const certFp = await first.peerCertFingerprint();
  const sig = await signLogin(id, ch.body.value.nonce, certFp, 'replayer');
  first.close();

  const second = await RawClient.connect(server.url);
  await second.waitFor((f) => f.body.case === 'challenge');
  const req = second.send({ body: { case: 'login', value: { protocolVersion: PROTOCOL_VERSION, name: 'replayer', bundle: id.bundle.bytes, signature: sig } } });
  assert.equal(errorName(await second.reply(req)), 'BAD_PROOF', 'proof for another nonce');

  const mitm = await rawLogin(server.url, 'replayer', { identity: id, certFingerprint: new Uint8Array(randomBytes(32)) });
  assert.equal(errorName(mitm.welcome), 'BAD_PROOF', 'proof bound to a certificate the server does not have');
});

test('bad names and bad bundles get clear errors', async () => {
  const bad = await rawLogin(server.url, 'no spaces allowed');
  assert.equal(errorName(bad.welcome), 'NAME_INVALID');
  if (bad.welcome.body.case === 'error') assert.match(bad.welcome.body.value.message, /letters/);

  const c = await RawClient.connect(server.url);
  await c.waitFor((f) => f.body.case === 'challenge');
  const req = c.send({ body: { case: 'login', value: { protocolVersion: PROTOCOL_VERSION, name: 'x1', bundle: randomBytes(200), signature: randomBytes(64) } } });
  assert.equal(errorName(await c.reply(req)), 'BAD_BUNDLE');

  const old = await RawClient.connect(server.url);
  await old.waitFor((f) => f.body.case === 'challenge');
  const r2 = old.send({ body: { case: 'login', value: { protocolVersion: 99, name: 'x2', bundle: randomBytes(10), signature: randomBytes(10) } } });
  assert.equal(errorName(await old.reply(r2)), 'VERSION_UNSUPPORTED');
});

test('a logged-in client cannot send as someone else', async () => {
  const bob = await rawLogin(server.url, 'bob');
  const aliceId = await generateIdentity();
  const mallory = await rawLogin(server.url, 'mallory');
  const id = randomId();
  // An envelope that claims alice as sender, sent over mallory's connection.
  const forged = await sealEnvelope({
    sender: aliceId,
    senderName: 'alice',
    recipients: [{ name: 'bob', bundle: bob.identity.bundle }],
    id,
    ts: Date.now(),
    toAll: false,
    plaintext: new TextEncoder().encode('I am alice'),
  });
  const req = mallory.client.send({ body: { case: 'send', value: { id, to: 'bob', envelope: forged } } });
  const reply = await mallory.client.reply(req);
  assert.equal(errorName(reply), 'BAD_FRAME');
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(!bob.client.frames.some((f) => f.body.case === 'deliver'), 'nothing reached bob');

  // Mallory's own, honest envelope is routed, and carries mallory's name.
  const id2 = randomId();
  const honest = await sealEnvelope({
    sender: mallory.identity,
    senderName: 'mallory',
    recipients: [{ name: 'bob', bundle: bob.identity.bundle }],
    id: id2,
    ts: Date.now(),
    toAll: false,
    plaintext: new TextEncoder().encode('hi'),
  });
  const r2 = mallory.client.send({ body: { case: 'send', value: { id: id2, to: 'bob', envelope: honest } } });
  assert.equal((await mallory.client.reply(r2)).body.case, 'accepted');
  const d = await bob.client.waitFor((f) => f.body.case === 'deliver');
  if (d.body.case === 'deliver') assert.equal(d.body.value.from, 'mallory');
  bob.client.close();
  mallory.client.close();
});

test('the recipient rejects tampered, misaddressed and replayed envelopes', async () => {
  const { testClient, nextEvent } = await import('./support/test-client.js');
  const bob = await testClient(server.url, 'bob2', { pin: server.fingerprintHex });
  const carol = await rawLogin(server.url, 'carol2');
  const mallory = await rawLogin(server.url, 'mallory2');
  const sendRaw = async (envelope: Uint8Array, id: Uint8Array) => {
    const req = mallory.client.send({ body: { case: 'send', value: { id, to: 'bob2', envelope } } });
    const reply = await mallory.client.reply(req);
    assert.equal(reply.body.case, 'accepted', 'the server routes it: only the recipient can judge the content');
  };
  const sealTo = (to: { name: string; bundle: typeof bob.identity.bundle }, id: Uint8Array, text = 'hi') =>
    sealEnvelope({ sender: mallory.identity, senderName: 'mallory2', recipients: [to], id, ts: Date.now(), toAll: false, plaintext: new TextEncoder().encode(text) });

  // Tampered: one byte of the ciphertext body flipped in transit.
  const id1 = randomId();
  const tampered = await sealTo({ name: 'bob2', bundle: bob.identity.bundle }, id1);
  tampered[tampered.length - 80] ^= 0x40;
  const rejectedTamper = nextEvent<{ code: string }>(bob, 'rejected');
  await sendRaw(tampered, id1);
  assert.equal((await rejectedTamper).code, 'BAD_SIGNATURE');

  // Misaddressed: sealed for carol, routed to bob.
  const id2 = randomId();
  const forCarol = await sealTo({ name: 'carol2', bundle: carol.identity.bundle }, id2);
  const rejectedMisaddressed = nextEvent<{ code: string }>(bob, 'rejected');
  await sendRaw(forCarol, id2);
  assert.equal((await rejectedMisaddressed).code, 'NOT_A_RECIPIENT');

  // Replayed: a genuine message, shown once; the same envelope again is not shown again.
  const id3 = randomId();
  const genuine = await sealTo({ name: 'bob2', bundle: bob.identity.bundle }, id3, 'only once');
  const shown = nextEvent<{ text: string }>(bob, 'message');
  await sendRaw(genuine, id3);
  assert.equal((await shown).text, 'only once');
  await new Promise((r) => setTimeout(r, 300)); // bob's ack reaches the server, which forgets the message
  let shownAgain = false;
  bob.on('message', () => (shownAgain = true));
  const duplicate = nextEvent<{ id: string }>(bob, 'duplicate');
  await sendRaw(genuine, id3);
  await duplicate;
  assert.equal(shownAgain, false, 'the replay was not shown');

  await bob.close();
  carol.client.close();
  mallory.client.close();
});

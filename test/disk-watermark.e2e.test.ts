// Issue 12 item 4 (free-disk watermark): while the data directory's disk has less free space than
// SEALCAST_MIN_FREE_DISK_BYTES, new messages are refused (v1 sends, v2 group messages and commits)
// with QUOTA_EXCEEDED, and nothing accepted before is lost. The real statfs of the real disk against
// a watermark no disk meets is what a full disk looks like; restarting with a low one is space returning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { randomId, sealEnvelope, toHex, type Identity } from '../src/crypto/index.js';
import { ConversationKind, type ServerFrame } from '../src/protocol/index.js';
import type { RawClient } from './support/raw-client.js';
import { rawLogin } from './support/raw-login.js';
import { rawLoginV2, TestAccount } from './support/raw-login-v2.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';
import { mls } from './support/opaque-mls.js';

const FULL = String(10 ** 15);
const ROOMY = '0';

function outcome(f: ServerFrame): string {
  return f.body.case === 'error' ? f.body.value.name : f.body.case ?? 'none';
}


async function v1Send(from: { client: RawClient; identity: Identity }, fromName: string, to: { name: string; identity: Identity }): Promise<{ id: string; reply: ServerFrame }> {
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: from.identity, senderName: fromName, recipients: [{ name: to.name, bundle: to.identity.bundle }], id, ts: Date.now(),
    toAll: false, plaintext: new Uint8Array(randomBytes(100)),
  });
  const reply = await from.client.reply(from.client.send({ body: { case: 'send', value: { id, to: to.name, envelope } } }));
  return { id: toHex(id), reply };
}

test('below the free-disk watermark new messages are refused with QUOTA_EXCEEDED (v1 and v2); what was accepted is delivered; accepted again when space returns', async (t) => {
  const dataDir = tempDir('sealcast-watermark-');
  let server: ServerProcess = await spawnServer({ dataDir, env: { SEALCAST_MIN_FREE_DISK_BYTES: ROOMY } });
  t.after(async () => {
    await server.stop();
    removeDir(dataDir);
  });
  const restart = async (watermark: string) => {
    await server.stop();
    server = await spawnServer({ dataDir, env: { SEALCAST_MIN_FREE_DISK_BYTES: watermark } });
  };

  // Space: a v1 message for offline bob is accepted (stored); a v2 room gets its first commit and a message.
  const registered = await rawLogin(server.url, 'wmbob');
  registered.client.ws.close();
  const bob = { name: 'wmbob', identity: registered.identity };
  let alice = await rawLogin(server.url, 'wmalice');
  const kept = await v1Send(alice, 'wmalice', bob);
  assert.equal(outcome(kept.reply), 'accepted');
  const carol = await TestAccount.create('wmcarol');
  const dave = await TestAccount.create('wmdave');
  const carolList = await carol.list();
  const daveList = await dave.list();
  let c = (await rawLoginV2(server.url, carol, carol.devices[0]!, { deviceList: carolList })).client;
  (await rawLoginV2(server.url, dave, dave.devices[0]!, { deviceList: daveList })).client.ws.close();
  const room = new Uint8Array(randomBytes(16));
  assert.equal(outcome(await c.reply(c.send({ body: { case: 'conversationCreate', value: { conversationId: room, kind: ConversationKind.ROOM, title: 'W' } } }))), 'conversation');
  const first = await c.reply(c.send({
    body: {
      case: 'commit',
      value: { conversationId: room, commit: mls.commit(room, 0), welcome: mls.welcome(), groupInfo: mls.groupInfo(room, 1), addAccounts: ['wmdave'], id: randomId(), welcomeDevices: [dave.devices[0]!.id] },
    },
  }));
  assert.equal(outcome(first), 'commitAccepted');
  const groupMessage = () => c.reply(c.send({ body: { case: 'groupMessage', value: { id: randomId(), conversationId: room, message: mls.application(room, 1) } } }));
  assert.equal(outcome(await groupMessage()), 'accepted', 'positive control: a v2 message is stored');

  // The disk is "full".
  alice.client.ws.close();
  c.ws.close();
  await restart(FULL);
  alice = await rawLogin(server.url, 'wmalice', { identity: alice.identity });
  const refused = await v1Send(alice, 'wmalice', bob);
  assert.equal(outcome(refused.reply), 'QUOTA_EXCEEDED');
  assert.match(refused.reply.body.case === 'error' ? refused.reply.body.value.message : '', /short of disk space/);
  c = (await rawLoginV2(server.url, carol, carol.devices[0]!)).client;
  assert.equal(outcome(await groupMessage()), 'QUOTA_EXCEEDED', 'v2 application message');
  const commit = await c.reply(c.send({ body: { case: 'commit', value: { conversationId: room, commit: mls.commit(room, 1), groupInfo: mls.groupInfo(room, 2), id: randomId() } } }));
  assert.equal(outcome(commit), 'QUOTA_EXCEEDED', 'v2 commit (refused before the epoch moves)');
  const warned = readFileSync(server.logFile, 'utf8').split('\n').filter((l) => l.includes('new messages refused: disk below the free-space watermark'));
  assert.equal(warned.length, 1, 'the operator is told once, not once per refused message');
  // Nothing accepted before is lost: bob gets the message stored while there was space, and can ack it.
  const b = await rawLogin(server.url, 'wmbob', { identity: bob.identity });
  const delivered = await b.client.waitFor((f) => f.body.case === 'deliver');
  assert.ok(delivered.body.case === 'deliver');
  assert.equal(toHex(delivered.body.value.id), kept.id);
  assert.equal(b.client.frames.filter((f) => f.body.case === 'deliver').length, 1, 'the refused message was not stored');
  b.client.ws.close();
  alice.client.ws.close();
  c.ws.close();

  // Space is back.
  await restart(ROOMY);
  alice = await rawLogin(server.url, 'wmalice', { identity: alice.identity });
  t.after(() => alice.client.ws.close());
  assert.equal(outcome((await v1Send(alice, 'wmalice', bob)).reply), 'accepted');
  c = (await rawLoginV2(server.url, carol, carol.devices[0]!)).client;
  t.after(() => c.ws.close());
  assert.equal(outcome(await groupMessage()), 'accepted');
});

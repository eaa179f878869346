// Protocol v2 end to end: real server process, real TLS, the v2 client core (SealcastAccount) with
// real MLS (crypto/mls over ts-mls). Two devices of alice, bob and carol in a room; add, remove, key
// update; direct conversations; Everyone; v1 and v2 clients talking; and the server never holding
// plaintext.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryStorage, type AccountMessage, type SealcastAccount } from '../src/client/index.js';
import { generateIdentity } from '../src/crypto/index.js';
import { nextAccountEvent, testAccount } from './support/test-account.js';
import { nextEvent, testClient } from './support/test-client.js';
import { removeDir, spawnServer, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;
const opened: SealcastAccount[] = [];

before(async () => {
  server = await spawnServer();
});

after(async () => {
  for (const a of opened) await a.close().catch(() => undefined);
  await server.stop();
  removeDir(server.dataDir);
});

async function device(name: string, opts: Parameters<typeof testAccount>[2] = {}): Promise<SealcastAccount> {
  const a = await testAccount(server.url, name, { pin: server.fingerprintHex, ...opts });
  opened.push(a);
  return a;
}

function messageIn(a: SealcastAccount, text: string): Promise<AccountMessage> {
  return nextAccountEvent<AccountMessage>(a, 'message', (m) => m.text === text);
}

/** Every file under `dir`, read whole (database, WAL, logs). */
function allBytes(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...allBytes(p));
    else out.push(readFileSync(p));
  }
  return out;
}

test('a room of alice (two devices), bob and carol: messages reach every device; removal, key update; the server holds only ciphertext', async () => {
  const aliceId = await generateIdentity();
  const a1 = await device('alice', { identity: aliceId, label: 'laptop' });
  // alice's second device holds the same identity (imported from her export) and adds itself.
  const a2 = await device('alice', { identity: aliceId, label: 'phone' });
  assert.deepEqual(a2.devices().map((d) => d.label).sort(), ['laptop', 'phone']);
  const bob = await device('bob');
  const carol = await device('carol');

  const joins = [a2, bob, carol].map((d) => nextAccountEvent<{ conversation: { title: string } }>(d, 'joined', (e) => e.conversation.title === 'Ops'));
  const room = await a1.createRoom('Ops', ['bob', 'carol']);
  await Promise.all(joins);
  assert.equal(room.admin, true);
  assert.deepEqual(a1.members('#ops'), [{ name: 'alice', devices: 2 }, { name: 'bob', devices: 1 }, { name: 'carol', devices: 1 }]);

  const marker = `PLAINTEXT-MARKER-${Date.now()}`;
  const got = [a1, a2, carol].map((d) => messageIn(d, `${marker} from bob`));
  await bob.send('#ops', `${marker} from bob`);
  for (const m of await Promise.all(got)) {
    assert.equal(m.from, 'bob');
    assert.equal(m.conversation?.title, 'Ops');
  }
  // Both of alice's devices see what the other sent (a device's own messages are not sent back to it).
  const echo = messageIn(a2, 'from the laptop');
  const bobSees = messageIn(bob, 'from the laptop');
  await a1.send('#ops', 'from the laptop');
  await Promise.all([echo, bobSees]);

  // alice removes carol: carol is out, and nothing sent after reaches her.
  const carolOut = nextAccountEvent(carol, 'left');
  await a1.removeMembers('#ops', ['carol']);
  await carolOut;
  let carolGot = false;
  carol.on('message', (m) => {
    if (m.text === 'after carol left') carolGot = true;
  });
  const bobGot = messageIn(bob, 'after carol left');
  await a1.send('#ops', 'after carol left');
  await bobGot;
  // bob updates his keys: messages still flow both ways.
  await bob.updateKeys('#ops');
  const afterUpdate = [a1, a2].map((d) => messageIn(d, 'after bob\'s update'));
  await bob.send('#ops', 'after bob\'s update');
  await Promise.all(afterUpdate);
  assert.equal(carolGot, false, 'a removed member reads nothing sent after its removal');
  assert.equal(carol.findConversation('#ops'), undefined);

  // The server never held the plaintext: not in its database, WAL or logs.
  await new Promise((r) => setTimeout(r, 300));
  for (const bytes of allBytes(server.dataDir)) assert.equal(bytes.indexOf(marker), -1, 'marker found in the server\'s files');
});

test('a member who leaves is taken out of the MLS tree by one who stays (its leaf gets no new epoch secrets)', async () => {
  const alice = await device('alice-l');
  const bob = await device('bob-l');
  const carol = await device('carol-l');
  const joins = [bob, carol].map((d) => nextAccountEvent<{ conversation: { title: string } }>(d, 'joined', (e) => e.conversation.title === 'Leavers'));
  await alice.createRoom('Leavers', ['bob-l', 'carol-l']);
  await Promise.all(joins);
  const carolLeft = nextAccountEvent(carol, 'left');
  await carol.leave('#leavers');
  await carolLeft;
  // The leave commit only refreshes carol's own leaf; the removal of her leaf is the others' commit.
  const deadline = Date.now() + 15_000;
  const names = (a: SealcastAccount) => a.members('#leavers').map((m) => m.name).join(',');
  while ((names(alice) !== 'alice-l,bob-l' || names(bob) !== 'alice-l,bob-l') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(names(alice), 'alice-l,bob-l', 'the leaver\'s leaf is out of alice\'s tree');
  assert.equal(names(bob), 'alice-l,bob-l', 'the leaver\'s leaf is out of bob\'s tree');
  const got = messageIn(bob, 'after carol-l left');
  await alice.send('#leavers', 'after carol-l left');
  await got;
});

test('direct conversations between v2 accounts, and v1 and v2 clients talking to each other', async () => {
  const erin = await device('erin');
  const frank = await device('frank');
  const got = messageIn(frank, 'hello frank');
  const sent = await erin.send('frank', 'hello frank');
  assert.equal(sent.conversation?.kind, 'direct');
  const m = await got;
  assert.equal(m.conversation?.kind, 'direct');
  assert.equal(m.conversation?.peer, 'erin');
  const back = messageIn(erin, 'hello erin');
  await frank.send('erin', 'hello erin');
  await back;

  // A v1 client (the first protocol) writes to a v2 account: a v1 envelope to its identity key.
  const oldtimer = await testClient(server.url, 'oldtimer', { pin: server.fingerprintHex, storage: new MemoryStorage() });
  const fromV1 = messageIn(erin, 'from a v1 client');
  await oldtimer.send('erin', 'from a v1 client');
  const v1m = await fromV1;
  assert.equal(v1m.conversation, undefined);
  assert.equal(v1m.from, 'oldtimer');
  // And erin answers: oldtimer has no v2 device, so it goes as a v1 envelope.
  const reply = nextEvent<{ text: string; from: string }>(oldtimer, 'message', (x) => x.text === 'from a v2 client');
  const r = await erin.send('oldtimer', 'from a v2 client');
  assert.equal(r.conversation, undefined);
  assert.equal((await reply).from, 'erin');
  await oldtimer.close();
});

test('Everyone: v2 devices join it at login and hear each other', async () => {
  const gina = await device('gina');
  const hank = await device('hank');
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(gina.findConversation('#everyone'), 'gina joined Everyone');
  assert.ok(hank.findConversation('#everyone'), 'hank joined Everyone');
  const got = messageIn(gina, 'hello everyone');
  await hank.send('#everyone', 'hello everyone');
  assert.equal((await got).conversation?.kind, 'everyone');
});

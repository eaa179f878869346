// The server as an MLS delivery service, against a real server process. The server reads only the
// clear framing of MLS messages (RFC 9420 §6: wire format, group id, epoch, content type), so these
// tests give it messages with real framing and opaque content; the conversations of real MLS
// clients are tested end to end with the client (test/conversations.e2e.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { randomId, toHex } from '../src/crypto/index.js';
import { ConversationKind, ConversationNotice_Kind, type ServerFrame } from '../src/protocol/index.js';
import type { RawClient } from './support/raw-client.js';
import { queueItems, rawLoginV2, TestAccount } from './support/raw-login-v2.js';
import { removeDir, spawnServer, type ServerProcess } from './support/server-process.js';
import { mls } from './support/opaque-mls.js';

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


interface Member {
  account: TestAccount;
  clients: RawClient[];
}

async function member(name: string, devices = 1): Promise<Member> {
  const account = await TestAccount.create(name, devices);
  const list = await account.list();
  const clients: RawClient[] = [];
  for (const [i, d] of account.devices.entries()) {
    const { client, welcome } = await rawLoginV2(server.url, account, d, { deviceList: i === 0 ? list : undefined });
    assert.equal(welcome.body.case, 'welcome', errorName(welcome));
    clients.push(client);
  }
  return { account, clients };
}

async function ask(c: RawClient, body: Parameters<RawClient['send']>[0]['body']): Promise<ServerFrame> {
  return c.reply(c.send({ body }));
}

test('a room: created empty, members come in with the first commit and its Welcome; commits are ordered by epoch', async () => {
  const alice = await member('dsalice', 2);
  const bob = await member('dsbob');
  const carol = await member('dscarol');
  const room = new Uint8Array(randomBytes(16));
  const created = await ask(alice.clients[0]!, { case: 'conversationCreate', value: { conversationId: room, kind: ConversationKind.ROOM, title: 'Ops' } });
  assert.equal(created.body.case, 'conversation', errorName(created));
  if (created.body.case === 'conversation') assert.deepEqual([created.body.value.epoch, created.body.value.memberCount, created.body.value.admin], [0n, 1, true]);

  // Epoch 0 -> 1: alice adds bob and her second device.
  const c1 = mls.commit(room, 0);
  const welcome = mls.welcome();
  const gi1 = mls.groupInfo(room, 1);
  const ok = await ask(alice.clients[0]!, {
    case: 'commit',
    value: {
      conversationId: room, commit: c1, welcome, groupInfo: gi1, addAccounts: ['dsbob'], id: randomId(),
      welcomeDevices: [bob.account.devices[0]!.id, alice.account.devices[1]!.id],
    },
  });
  assert.equal(ok.body.case, 'commitAccepted', errorName(ok));
  if (ok.body.case === 'commitAccepted') assert.equal(ok.body.value.epoch, 1n);
  for (const c of [bob.clients[0]!, alice.clients[1]!]) {
    await c.waitFor((f) => f.body.case === 'queueItems' && f.body.value.items.some((i) => i.body.case === 'welcome'));
    const item = queueItems(c).find((i) => i.body.case === 'welcome')!;
    assert.ok(item.body.case === 'welcome');
    assert.deepEqual(item.body.value.welcome, welcome);
    assert.equal(item.body.value.conversation?.title, 'Ops');
  }
  // The second device is a member's device already: it gets the commit too (it processes or ignores it).
  // carol is no member: she cannot see the room, nor post to it.
  assert.equal(errorName(await ask(carol.clients[0]!, { case: 'groupInfoRequest', value: { conversationId: room } })), 'UNKNOWN_CONVERSATION');
  assert.equal(errorName(await ask(carol.clients[0]!, { case: 'groupMessage', value: { id: randomId(), conversationId: room, message: mls.application(room, 1) } })), 'UNKNOWN_CONVERSATION');

  // Two commits for epoch 1: the first wins, the second is told to rebase.
  const win = await ask(bob.clients[0]!, { case: 'commit', value: { conversationId: room, commit: mls.commit(room, 1), groupInfo: mls.groupInfo(room, 1 + 1), id: randomId() } });
  assert.equal(win.body.case, 'commitAccepted', errorName(win));
  const lose = await ask(alice.clients[0]!, { case: 'commit', value: { conversationId: room, commit: mls.commit(room, 1), groupInfo: mls.groupInfo(room, 1 + 1), id: randomId() } });
  assert.equal(errorName(lose), 'EPOCH_CONFLICT');
  assert.match(lose.body.case === 'error' ? lose.body.value.message : '', /epoch 2/);
  // The loser finds the winning commit in its queue, in order.
  await alice.clients[0]!.waitFor((f) => f.body.case === 'queueItems' && f.body.value.items.some((i) => i.body.case === 'message' && i.body.value.commit && i.body.value.epoch === 1n));

  // Only the administrator adds members; anyone may leave.
  const notAdmin = await ask(bob.clients[0]!, {
    case: 'commit', value: { conversationId: room, commit: mls.commit(room, 2), groupInfo: mls.groupInfo(room, 2 + 1), addAccounts: ['dscarol'], welcome: mls.welcome(), welcomeDevices: [carol.account.devices[0]!.id], id: randomId() },
  });
  assert.equal(errorName(notAdmin), 'NOT_ADMIN');
  const info = await ask(bob.clients[0]!, { case: 'groupInfoRequest', value: { conversationId: room } });
  assert.equal(info.body.case, 'groupInfo');
  if (info.body.case === 'groupInfo') assert.equal(info.body.value.epoch, 2n, 'the latest GroupInfo is kept for external joins');

  // Application messages: to every other device of the members; a stale or future epoch is refused.
  const appId = randomId();
  const sent = await ask(bob.clients[0]!, { case: 'groupMessage', value: { id: appId, conversationId: room, message: mls.application(room, 2) } });
  assert.equal(sent.body.case, 'accepted', errorName(sent));
  if (sent.body.case === 'accepted') assert.equal(sent.body.value.deliveredNow + sent.body.value.stored, 2, 'alice\'s two devices');
  for (const c of alice.clients) {
    await c.waitFor((f) => f.body.case === 'queueItems' && f.body.value.items.some((i) => toHex(i.id) === toHex(appId)));
  }
  assert.equal(errorName(await ask(bob.clients[0]!, { case: 'groupMessage', value: { id: randomId(), conversationId: room, message: mls.application(room, 3) } })), 'EPOCH_CONFLICT');
  const otherGroup = new Uint8Array(randomBytes(16));
  assert.equal(errorName(await ask(bob.clients[0]!, { case: 'groupMessage', value: { id: randomId(), conversationId: room, message: mls.application(otherGroup, 2) } })), 'BAD_MLS_MESSAGE');
  assert.equal(errorName(await ask(bob.clients[0]!, { case: 'groupMessage', value: { id: randomId(), conversationId: room, message: Uint8Array.from([1, 2, 3]) } })), 'BAD_MLS_MESSAGE');

  // alice removes bob: his device hears it from the server as well as in the commit.
  const removed = await ask(alice.clients[0]!, { case: 'commit', value: { conversationId: room, commit: mls.commit(room, 2), groupInfo: mls.groupInfo(room, 2 + 1), removeAccounts: ['dsbob'], id: randomId() } });
  assert.equal(removed.body.case, 'commitAccepted', errorName(removed));
  await bob.clients[0]!.waitFor((f) => f.body.case === 'queueItems' && f.body.value.items.some((i) => i.body.case === 'notice' && i.body.value.kind === ConversationNotice_Kind.REMOVED_YOU));
  assert.equal(errorName(await ask(bob.clients[0]!, { case: 'groupMessage', value: { id: randomId(), conversationId: room, message: mls.application(room, 3) } })), 'UNKNOWN_CONVERSATION');

  // Rename: the administrator only; members hear it.
  assert.equal(errorName(await ask(carol.clients[0]!, { case: 'conversationRename', value: { conversationId: room, title: 'Mine' } })), 'UNKNOWN_CONVERSATION');
  const renamed = await ask(alice.clients[0]!, { case: 'conversationRename', value: { conversationId: room, title: 'Ops team' } });
  assert.equal(renamed.body.case, 'conversation', errorName(renamed));
  const list = await ask(alice.clients[0]!, { case: 'conversationsRequest', value: {} });
  assert.ok(list.body.case === 'conversations' && list.body.value.items.some((c) => c.title === 'Ops team'));
  const members = await ask(alice.clients[0]!, { case: 'membersRequest', value: { conversationId: room } });
  assert.ok(members.body.case === 'members');
  if (members.body.case === 'members') assert.deepEqual(members.body.value.items.map((m) => [m.name, m.admin, m.online]), [['dsalice', true, true]]);
  for (const m of [alice, bob, carol]) for (const c of m.clients) c.close();
});

test('a direct conversation: one per pair of accounts, only the two of them', async () => {
  const dana = await member('dsdana');
  const eve = await member('dseve');
  const frank = await member('dsfrank');
  const id = new Uint8Array(randomBytes(16));
  const created = await ask(dana.clients[0]!, { case: 'conversationCreate', value: { conversationId: id, kind: ConversationKind.DIRECT, peer: 'dseve' } });
  assert.equal(created.body.case, 'conversation', errorName(created));
  if (created.body.case === 'conversation') assert.equal(created.body.value.peer, 'dseve');
  const twice = await ask(eve.clients[0]!, { case: 'conversationCreate', value: { conversationId: new Uint8Array(randomBytes(16)), kind: ConversationKind.DIRECT, peer: 'dsdana' } });
  assert.equal(errorName(twice), 'CONVERSATION_EXISTS');
  assert.deepEqual(twice.body.case === 'error' ? twice.body.value.refId : undefined, id, 'the error names the existing conversation');
  const third = await ask(dana.clients[0]!, {
    case: 'commit', value: { conversationId: id, commit: mls.commit(id, 0), groupInfo: mls.groupInfo(id, 0 + 1), addAccounts: ['dsfrank'], welcome: mls.welcome(), welcomeDevices: [frank.account.devices[0]!.id], id: randomId() },
  });
  assert.equal(errorName(third), 'NOT_ADMIN');
  const add = await ask(dana.clients[0]!, {
    case: 'commit', value: { conversationId: id, commit: mls.commit(id, 0), groupInfo: mls.groupInfo(id, 0 + 1), addAccounts: ['dseve'], welcome: mls.welcome(), welcomeDevices: [eve.account.devices[0]!.id], id: randomId() },
  });
  assert.equal(add.body.case, 'commitAccepted', errorName(add));
  // A welcome may only go to devices of the members.
  const stray = await ask(dana.clients[0]!, {
    case: 'commit', value: { conversationId: id, commit: mls.commit(id, 1), groupInfo: mls.groupInfo(id, 1 + 1), welcome: mls.welcome(), welcomeDevices: [frank.account.devices[0]!.id], id: randomId() },
  });
  assert.equal(errorName(stray), 'UNKNOWN_DEVICE');
  // Presence: dana and eve now share a conversation, so each hears when the other leaves.
  eve.clients[0]!.close();
  await dana.clients[0]!.waitFor((f) => f.body.case === 'presenceUpdates' && f.body.value.updates.some((u) => u.name === 'dseve' && !u.online));
  assert.ok(!frank.clients[0]!.frames.some((f) => f.body.case === 'presenceUpdates'), 'frank shares nothing with them and hears nothing');
  for (const m of [dana, frank]) for (const c of m.clients) c.close();
});

test('Everyone: any account joins by adding itself (the first starts the group), and no one else', async () => {
  const gina = await member('dsgina');
  const hank = await member('dshank');
  const ivan = await member('dsivan');
  const welcomeOf = (c: RawClient) => c.frames.find((f) => f.body.case === 'welcome')!;
  const w = welcomeOf(gina.clients[0]!);
  assert.ok(w.body.case === 'welcome' && w.body.value.everyone, 'the Welcome names Everyone');
  if (w.body.case !== 'welcome' || !w.body.value.everyone) return;
  const everyone = w.body.value.everyone.conversationId;
  const epoch = Number(w.body.value.everyone.epoch);
  const join = (m: Member, e: number, extra: { addAccounts?: string[]; removeAccounts?: string[] } = {}) =>
    ask(m.clients[0]!, { case: 'commit', value: { conversationId: everyone, commit: mls.commit(everyone, e), groupInfo: mls.groupInfo(everyone, e + 1), id: randomId(), addAccounts: [m.account.name], ...extra } });
  const first = await join(gina, epoch);
  assert.equal(first.body.case, 'commitAccepted', errorName(first));
  const info = await ask(hank.clients[0]!, { case: 'groupInfoRequest', value: { conversationId: everyone } });
  assert.equal(info.body.case, 'groupInfo', 'anyone may fetch Everyone\'s GroupInfo to join by external commit');
  assert.equal(errorName(await join(hank, epoch + 1, { addAccounts: ['dsivan'] })), 'NOT_ADMIN', 'nobody adds someone else');
  const second = await join(hank, epoch + 1);
  assert.equal(second.body.case, 'commitAccepted', errorName(second));
  // Members of Everyone hear each other come and go.
  ivan.clients[0]!.close();
  hank.clients[0]!.close();
  await gina.clients[0]!.waitFor((f) => f.body.case === 'presenceUpdates' && f.body.value.updates.some((u) => u.name === 'dshank' && !u.online));
  gina.clients[0]!.close();
});

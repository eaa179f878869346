// The adapter end to end with real crypto: create, add by key package and Welcome, messages both
// ways, removal, self-update, external join (and others processing it), leave proposals, state
// persistence, and the exact error codes of the failures a client meets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceDirectory, makeDevice } from '../../../test/support/mls-devices.js';
import { isMlsError, type MlsErrorCode } from './mls-error.js';
import type { MlsGroupState } from './group-state.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);
const GROUP = text('room-0123456789a');

function rejectsWith(code: MlsErrorCode) {
  return (e: unknown) => {
    assert.ok(isMlsError(e), `expected MlsError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

async function trio() {
  const dir = new DeviceDirectory();
  const [alice, bob, carol] = await Promise.all([makeDevice('alice'), makeDevice('bob'), makeDevice('carol')]);
  for (const d of [alice, bob, carol]) dir.add(d);
  const mls = dir.client();
  let a = await mls.createGroup(GROUP, alice);
  const [bobKp] = await mls.generateKeyPackages(bob, 1);
  const [carolKp] = await mls.generateKeyPackages(carol, 1);
  const added = await mls.addMembers(a, [bobKp!.publicBytes, carolKp!.publicBytes]);
  a = added.state;
  const b = await mls.joinFromWelcome(added.welcome, bobKp!.privateBytes);
  const c = await mls.joinFromWelcome(added.welcome, carolKp!.privateBytes);
  return { dir, mls, alice, bob, carol, a, b, c, added };
}

test('create, add two devices by Welcome, and talk both ways', async () => {
  const { mls, a, b, c } = await trio();
  assert.equal(mls.epoch(a), 1);
  assert.equal(mls.epoch(b), 1);
  assert.deepEqual(mls.members(b).map((m) => [m.leaf, m.name]), [[0, 'alice'], [1, 'bob'], [2, 'carol']]);
  const sealed = await mls.encrypt(a, text('hello room'), text('aad-1'));
  for (const s of [b, c]) {
    const got = await mls.process(s, sealed.message);
    assert.equal(got.kind, 'application');
    if (got.kind !== 'application') return;
    assert.equal(read(got.plaintext), 'hello room');
    assert.equal(read(got.authenticatedData), 'aad-1');
    assert.equal(got.sender.name, 'alice');
    assert.equal(got.sender.leaf, 0);
  }
  const reply = await mls.encrypt(b, text('hi alice'));
  const got = await mls.process(a, reply.message);
  assert.ok(got.kind === 'application' && read(got.plaintext) === 'hi alice' && got.sender.name === 'bob');
});

test('remove, self-update and the commit results others see', async () => {
  const { mls, a, b, c, carol } = await trio();
  const removal = await mls.removeMembers(a, [{ name: 'carol', deviceId: carol.deviceId }]);
  const atB = await mls.process(b, removal.commit);
  assert.equal(atB.kind, 'commit');
  if (atB.kind !== 'commit') return;
  assert.equal(atB.epoch, 2);
  assert.deepEqual(atB.removed.map((m) => m.name), ['carol']);
  assert.equal(atB.sender.name, 'alice');
  assert.equal(atB.selfRemoved, false);
  const atC = await mls.process(c, removal.commit);
  assert.ok(atC.kind === 'commit' && atC.selfRemoved);
  const update = await mls.selfUpdate(atB.state);
  const atA = await mls.process(removal.state, update.commit);
  assert.ok(atA.kind === 'commit');
  if (atA.kind !== 'commit') return;
  assert.deepEqual(atA.updated.map((m) => m.name), ['bob']);
  assert.equal(atA.epoch, 3);
});

test('external join: the joiner commits, members process it and talk with it', async () => {
  const { mls, dir, a, b } = await trio();
  const dave = await makeDevice('dave');
  dir.add(dave);
  const info = await mls.groupInfo(a);
  const joined = await mls.joinExternal(info, dave);
  assert.equal(joined.resync, false);
  const atA = await mls.process(a, joined.commit);
  assert.ok(atA.kind === 'commit' && atA.external && atA.sender.name === 'dave');
  const atB = await mls.process(b, joined.commit);
  assert.ok(atB.kind === 'commit' && atB.added.some((m) => m.name === 'dave'));
  const hello = await mls.encrypt(joined.state, text('dave here'));
  const got = await mls.process(atA.state, hello.message);
  assert.ok(got.kind === 'application' && read(got.plaintext) === 'dave here');
});

test('state survives encode/decode mid-conversation', async () => {
  const t = await trio();
  const { mls } = t;
  let a: MlsGroupState = t.a;
  let b: MlsGroupState = t.b;
  for (let i = 0; i < 3; i++) {
    const m = await mls.encrypt(a, text(`m${i}`));
    a = m.state;
    const got = await mls.process(b, m.message);
    assert.ok(got.kind === 'application' && read(got.plaintext) === `m${i}`);
    b = mls.decodeState(mls.encodeState(got.state));
  }
  const reply = await mls.encrypt(b, text('after restore'));
  const got = await mls.process(a, reply.message);
  assert.ok(got.kind === 'application' && read(got.plaintext) === 'after restore');
  // The restored state still refuses a message it already opened (its key is gone).
  const again = await mls.encrypt(t.a, text('m0 again'));
  await assert.rejects(mls.process(b, again.message), rejectsWith('REPLAY'));
});

test('a refused credential cannot be added', async () => {
  const { mls, dir, a } = await trio();
  const eve = await makeDevice('eve');
  const [kp] = await mls.generateKeyPackages(eve, 1);
  await assert.rejects(mls.addMembers(a, [kp!.publicBytes]), rejectsWith('CREDENTIAL_REFUSED'));
  dir.add(eve);
  await mls.addMembers(a, [kp!.publicBytes]);
});

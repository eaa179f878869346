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

test('process refuses what is not for this state: other group, garbage, trailing bytes, old and future epochs, replays', async () => {
  const t = await trio();
  const { mls, alice } = t;
  const other = await mls.createGroup(text('another-room-xyz'), alice);
  const foreign = await mls.encrypt(other, text('elsewhere'));
  await assert.rejects(mls.process(t.b, foreign.message), rejectsWith('WRONG_GROUP'));
  await assert.rejects(mls.process(t.b, crypto.getRandomValues(new Uint8Array(200))), rejectsWith('BAD_MESSAGE'));
  const m = await mls.encrypt(t.a, text('once'));
  const padded = new Uint8Array(m.message.byteLength + 1);
  padded.set(m.message);
  await assert.rejects(mls.process(t.b, padded), rejectsWith('BAD_MESSAGE'));
  await assert.rejects(mls.process(t.b, t.added.welcome), rejectsWith('BAD_MESSAGE'));
  const first = await mls.process(t.b, m.message);
  await assert.rejects(mls.process(first.state, m.message), rejectsWith('REPLAY'));
  // A commit processed twice is for an epoch that is over; a message from the next epoch is ahead of a state that missed it.
  const update = await mls.selfUpdate(t.a);
  const moved = await mls.process(t.b, update.commit);
  await assert.rejects(mls.process(moved.state, update.commit), rejectsWith('WRONG_EPOCH'));
  const ahead = await mls.encrypt(update.state, text('epoch 2'));
  await assert.rejects(mls.process(t.c, ahead.message), rejectsWith('WRONG_EPOCH'));
  // Its own commit echoed back: refused, with a hint.
  await assert.rejects(mls.process(t.a, update.commit), (e: unknown) => rejectsWith('REJECTED')(e) && /own commit/.test((e as Error).message));
  // Late messages of the previous epoch still open (RFC 9420 keeps the keys of recent epochs).
  const late = await mls.encrypt(t.c, text('sent in epoch 1'));
  const got = await mls.process(moved.state, late.message);
  assert.ok(got.kind === 'application' && got.epoch === 1 && read(got.plaintext) === 'sent in epoch 1');
});

test('leaving: a leave proposal, PENDING_PROPOSALS until someone commits it, then the leaver is out', async () => {
  const { mls, a, b, c } = await trio();
  const leave = await mls.proposeLeave(c);
  const atA = await mls.process(a, leave.proposal);
  assert.ok(atA.kind === 'proposal' && atA.proposal.type === 'remove' && atA.proposal.target.name === 'carol' && atA.sender.name === 'carol');
  await assert.rejects(mls.encrypt(atA.state, text('not yet')), rejectsWith('PENDING_PROPOSALS'));
  await assert.rejects(mls.encrypt(leave.state, text('the leaver waits')), rejectsWith('PENDING_PROPOSALS'));
  const atB = await mls.process(b, leave.proposal);
  const commit = await mls.selfUpdate(atA.state);
  const bSees = await mls.process(atB.state, commit.commit);
  assert.ok(bSees.kind === 'commit' && bSees.removed.map((m) => m.name).join() === 'carol');
  const cSees = await mls.process(leave.state, commit.commit);
  assert.ok(cSees.kind === 'commit' && cSees.selfRemoved);
  assert.equal(mls.isActive(cSees.state), false);
  assert.deepEqual(mls.members(commit.state).map((m) => m.name), ['alice', 'bob']);
  await mls.encrypt(commit.state, text('sending again'));
});

test('removeMembers names only members and never this device', async () => {
  const { mls, a, alice } = await trio();
  await assert.rejects(mls.removeMembers(a, [7]), rejectsWith('UNKNOWN_MEMBER'));
  await assert.rejects(mls.removeMembers(a, [{ name: 'nobody', deviceId: new Uint8Array(16) }]), rejectsWith('UNKNOWN_MEMBER'));
  await assert.rejects(mls.removeMembers(a, [0]), rejectsWith('BAD_INPUT'));
  await assert.rejects(mls.removeMembers(a, [{ name: 'alice', deviceId: alice.deviceId }]), rejectsWith('BAD_INPUT'));
  await assert.rejects(mls.removeMembers(a, []), rejectsWith('BAD_INPUT'));
  await assert.rejects(mls.removeMembers(a, [-1]), rejectsWith('BAD_INPUT'));
  const r = await mls.removeMembers(a, [1, 1, { name: 'bob', deviceId: mls.members(a)[1]!.deviceId }]);
  assert.deepEqual(mls.members(r.state).map((m) => m.name), ['alice', 'carol']);
});

test('key packages: references, last resort, checks, and what a join needs', async () => {
  const dir = new DeviceDirectory();
  const dave = await makeDevice('dave');
  dir.add(dave);
  const mls = dir.client();
  const normal = await mls.generateKeyPackages(dave, 3);
  const [lastResort] = await mls.generateKeyPackages(dave, 1, { lastResort: true });
  assert.equal(new Set(normal.map((k) => Buffer.from(k.ref).toString('hex'))).size, 3, 'distinct references');
  for (const k of [...normal, lastResort!]) {
    const info = await mls.inspectKeyPackage(k.publicBytes);
    assert.deepEqual(info.ref, k.ref);
    assert.equal(info.name, 'dave');
    assert.deepEqual(info.deviceId, dave.deviceId);
    assert.deepEqual(info.signaturePublicKey, dave.signingKey.publicKey);
    assert.equal(info.lastResort, k.lastResort);
    assert.ok(info.notAfter - info.notBefore > 80 * 24 * 3600);
  }
  assert.equal(lastResort!.lastResort, true);
  const tampered = normal[0]!.publicBytes.slice();
  tampered[tampered.length - 10]! ^= 1;
  await assert.rejects(mls.inspectKeyPackage(tampered), rejectsWith('BAD_SIGNATURE'));
  await assert.rejects(mls.inspectKeyPackage(normal[0]!.privateBytes), rejectsWith('BAD_MESSAGE'));
  await assert.rejects(mls.generateKeyPackages(dave, 0), rejectsWith('BAD_INPUT'));
  await assert.rejects(mls.generateKeyPackages(dave, 1001), rejectsWith('BAD_INPUT'));
  await assert.rejects(mls.generateKeyPackages({ ...dave, deviceId: new Uint8Array(15) }, 1), rejectsWith('BAD_INPUT'));
  // The last-resort package works like any other.
  const alice = await makeDevice('alice');
  dir.add(alice);
  const added = await mls.addMembers(await mls.createGroup(text('last-resort-room'), alice), [lastResort!.publicBytes]);
  const joined = await mls.joinFromWelcome(added.welcome, lastResort!.privateBytes);
  assert.equal(mls.epoch(joined), 1);
});

test('a damaged stored state fails loudly, naming the damage', async () => {
  const { mls, b } = await trio();
  const good = mls.encodeState(b);
  assert.deepEqual(mls.members(mls.decodeState(good)), mls.members(b));
  const flipped = good.slice();
  flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
  assert.throws(() => mls.decodeState(flipped), (e: unknown) => rejectsWith('BAD_STATE')(e) && /checksum/.test((e as Error).message));
  assert.throws(() => mls.decodeState(good.subarray(0, good.length - 1)), rejectsWith('BAD_STATE'));
  assert.throws(() => mls.decodeState(good.subarray(0, 20)), rejectsWith('BAD_STATE'));
  const future = good.slice();
  future[3] = 0x32; // "SCG2"
  assert.throws(() => mls.decodeState(future), (e: unknown) => rejectsWith('BAD_STATE')(e) && /unknown state version "SCG2"/.test((e as Error).message));
  assert.throws(() => mls.decodeState(new Uint8Array(64)), (e: unknown) => rejectsWith('BAD_STATE')(e) && /SCG1/.test((e as Error).message));
  assert.throws(() => mls.members({} as MlsGroupState), rejectsWith('BAD_INPUT'));
});

test('a message more than 1,000 generations ahead of the receiver is TOO_FAR_AHEAD; 1,000 ahead still opens', async () => {
  const { mls, a, b } = await trio();
  let s: MlsGroupState = a;
  const sent: Uint8Array[] = [];
  for (let i = 0; i <= 1001; i++) {
    const m = await mls.encrypt(s, text(`g${i}`));
    s = m.state;
    sent.push(m.message);
  }
  await assert.rejects(mls.process(b, sent[1001]!), rejectsWith('TOO_FAR_AHEAD'));
  const got = await mls.process(b, sent[1000]!);
  assert.ok(got.kind === 'application' && read(got.plaintext) === 'g1000');
});

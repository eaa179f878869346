// Joining: the regression that made sealcast write its own join (ts-mls 1.6 refuses trees whose
// unmerged leaves sit at different depths, which an ordinary history produces), resyncing by
// external commit, and the errors a joiner meets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyPskIndex, joinGroup, joinGroupExternal } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { DeviceDirectory, makeDevice } from '../../../test/support/mls-devices.js';
import { decodeKeyPackagePrivate } from './key-package-private.js';
import { makeKeyPackage } from './key-packages.js';
import { decodeMessage } from './mls-message.js';
import { isMlsError, type MlsErrorCode } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';
import type { MlsGroupState } from './group-state.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

function rejectsWith(code: MlsErrorCode) {
  return (e: unknown) => {
    assert.ok(isMlsError(e), `expected MlsError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

test('a tree with unmerged leaves at different depths can be joined (Welcome and external commit)', async () => {
  const dir = new DeviceDirectory();
  const devices = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'x', 'y'].map(makeDevice));
  for (const d of devices) dir.add(d);
  const mls = dir.client();
  const kps = await Promise.all(devices.slice(1).map((d) => mls.generateKeyPackages(d, 1).then((k) => k[0]!)));
  // Seven members at leaves 0-6; leaf 3 is removed, leaf 4 updates its keys, then two adds:
  // x lands at leaf 3 (unmerged at node 3 and the root), y at leaf 7 (unmerged at node 11 and the root).
  const first = await mls.addMembers(await mls.createGroup(text('unmerged-leaves'), devices[0]!), kps.slice(0, 6).map((k) => k.publicBytes));
  let a: MlsGroupState = first.state;
  let e = await mls.joinFromWelcome(first.welcome, kps[3]!.privateBytes);
  const removal = await mls.removeMembers(a, [3]);
  a = removal.state;
  e = (await mls.process(e, removal.commit)).state;
  const update = await mls.selfUpdate(e);
  a = (await mls.process(a, update.commit)).state;
  const addX = await mls.addMembers(a, [kps[6]!.publicBytes]);
  const x = await mls.joinFromWelcome(addX.welcome, kps[6]!.privateBytes);
  const addY = await mls.addMembers(addX.state, [kps[7]!.publicBytes]);
  a = addY.state;

  // The library's own join refuses this Welcome and this GroupInfo (the bug being worked around).
  const { keyPackage, privatePackage } = decodeKeyPackagePrivate(kps[7]!.privateBytes);
  const welcome = decodeMessage(addY.welcome, ['mls_welcome'], 'test').welcome;
  await assert.rejects(joinGroup(welcome, keyPackage, privatePackage, emptyPskIndex, suite1, undefined, undefined, defaultClientConfig), /unmerged_leaves/);
  const z = await makeDevice('z');
  dir.add(z);
  const zkp = await makeKeyPackage(z);
  const info = await mls.groupInfo(a);
  const gi = decodeMessage(info, ['mls_group_info'], 'test').groupInfo;
  await assert.rejects(joinGroupExternal(gi, zkp.keyPackage, zkp.privatePackage, false, suite1, undefined, defaultClientConfig), /unmerged_leaves/);

  // Ours joins both ways, and everyone talks.
  const y = await mls.joinFromWelcome(addY.welcome, kps[7]!.privateBytes);
  const joined = await mls.joinExternal(info, z);
  const atA = await mls.process(a, joined.commit);
  const atY = await mls.process(y, joined.commit);
  const atX = await mls.process((await mls.process(x, addY.commit)).state, joined.commit);
  const hello = await mls.encrypt(joined.state, text('z here'));
  for (const s of [atA.state, atY.state, atX.state]) {
    const got = await mls.process(s, hello.message);
    assert.ok(got.kind === 'application' && read(got.plaintext) === 'z here' && got.sender.name === 'z');
  }
});

test('a device that fell behind rejoins by external commit, replacing its old leaf (resync)', async () => {
  const dir = new DeviceDirectory();
  const [alice, bob] = await Promise.all([makeDevice('alice'), makeDevice('bob')]);
  dir.add(alice);
  dir.add(bob);
  const mls = dir.client();
  const [kp] = await mls.generateKeyPackages(bob, 1);
  const added = await mls.addMembers(await mls.createGroup(text('resync-room'), alice), [kp!.publicBytes]);
  // bob misses a commit (an update by alice) and rejoins from the current GroupInfo.
  const update = await mls.selfUpdate(added.state);
  const rejoin = await mls.joinExternal(update.groupInfo, bob);
  assert.equal(rejoin.resync, true);
  const atA = await mls.process(update.state, rejoin.commit);
  assert.ok(atA.kind === 'commit' && atA.external && atA.sender.name === 'bob');
  assert.deepEqual(mls.members(atA.state).map((m) => m.name), ['alice', 'bob'], 'one leaf for bob, not two');
  const hi = await mls.encrypt(rejoin.state, text('back'));
  const got = await mls.process(atA.state, hi.message);
  assert.ok(got.kind === 'application' && read(got.plaintext) === 'back');
});

test('joining errors: a Welcome for another key package, a damaged Welcome, the wrong message kinds, a tampered GroupInfo', async () => {
  const dir = new DeviceDirectory();
  const [alice, bob, carol] = await Promise.all([makeDevice('alice'), makeDevice('bob'), makeDevice('carol')]);
  for (const d of [alice, bob, carol]) dir.add(d);
  const mls = dir.client();
  const [bobKp] = await mls.generateKeyPackages(bob, 1);
  const [carolKp] = await mls.generateKeyPackages(carol, 1);
  const added = await mls.addMembers(await mls.createGroup(text('errors-room'), alice), [bobKp!.publicBytes]);
  await assert.rejects(mls.joinFromWelcome(added.welcome, carolKp!.privateBytes), rejectsWith('NOT_A_RECIPIENT'));
  const damaged = added.welcome.slice();
  damaged[damaged.length - 5]! ^= 0xff; // inside the encrypted GroupInfo
  await assert.rejects(mls.joinFromWelcome(damaged, bobKp!.privateBytes), rejectsWith('DECRYPT_FAILED'));
  await assert.rejects(mls.joinFromWelcome(added.commit, bobKp!.privateBytes), rejectsWith('BAD_MESSAGE'));
  await assert.rejects(mls.joinFromWelcome(added.welcome, bobKp!.publicBytes), rejectsWith('BAD_INPUT'));
  await assert.rejects(mls.joinExternal(added.welcome, carol), rejectsWith('BAD_MESSAGE'));
  // A GroupInfo whose signature was tampered with.
  const info = added.groupInfo.slice();
  info[info.length - 3]! ^= 0x01;
  await assert.rejects(mls.joinExternal(info, carol), rejectsWith('BAD_SIGNATURE'));
});

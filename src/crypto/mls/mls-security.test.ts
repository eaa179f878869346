// The security properties the MLS adapter promises, shown with real crypto and no mocks:
// a removed device reads nothing sent after its removal; after a key update, a leaked copy of the
// device's earlier state (every secret it held) opens nothing new; a device added later reads
// nothing sent before; a credential the hook refuses can neither be added nor join nor send.
// Each "cannot" is shown twice: the honest error (wrong epoch), and the attacker's trick of
// relabelling the message with an epoch it does hold, which must still fail to decrypt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceDirectory, makeDevice } from '../../../test/support/mls-devices.js';
import { readMlsFraming } from '../../protocol/mls-framing.js';
import { isMlsError, type MlsErrorCode } from './mls-error.js';
import { unwrap, type MlsGroupState } from './group-state.js';
import { createProposal, decodeMlsMessage, encodeMlsMessage, makePskIndex, processPrivateMessage } from 'ts-mls';
import { protectApplicationData } from 'ts-mls/messageProtection.js';
import { PADDING } from './auth-hook.js';
import { makeKeyPackage } from './key-packages.js';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { suite1 } from './provider/suite-impl.js';
import type { MlsClient } from './mls-client.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);
const GROUP = text('security-room-01');

function rejectsWith(code: MlsErrorCode) {
  return (e: unknown) => {
    assert.ok(isMlsError(e), `expected MlsError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** The same PrivateMessage with its (clear) epoch field rewritten: what an attacker would try. */
function relabel(message: Uint8Array, epoch: number): Uint8Array {
  const f = readMlsFraming(message);
  assert.equal(f.wireFormat, 'private_message');
  const out = message.slice();
  const at = 4 + 1 + GROUP.byteLength; // version, wire_format, group_id<V> (1-byte length), then u64 epoch
  new DataView(out.buffer).setBigUint64(at, BigInt(epoch));
  assert.equal(readMlsFraming(out).wireFormat === 'private_message' && (readMlsFraming(out) as { epoch: number }).epoch, epoch);
  return out;
}

/** alice, bob and carol in one group (epoch 1), with bob's and carol's states. */
async function room() {
  const dir = new DeviceDirectory();
  const [alice, bob, carol] = await Promise.all([makeDevice('alice'), makeDevice('bob'), makeDevice('carol')]);
  for (const d of [alice, bob, carol]) dir.add(d);
  const mls = dir.client();
  const a0 = await mls.createGroup(GROUP, alice);
  const kps = await Promise.all([bob, carol].map((d) => mls.generateKeyPackages(d, 1).then((k) => k[0]!)));
  const added = await mls.addMembers(a0, kps.map((k) => k.publicBytes));
  const b = await mls.joinFromWelcome(added.welcome, kps[0]!.privateBytes);
  const c = await mls.joinFromWelcome(added.welcome, kps[1]!.privateBytes);
  return { dir, mls, alice, bob, carol, a: added.state, b, c };
}

async function opens(mls: MlsClient, state: MlsGroupState, message: Uint8Array): Promise<string> {
  const got = await mls.process(state, message);
  assert.equal(got.kind, 'application');
  return got.kind === 'application' ? read(got.plaintext) : '';
}

test('a removed device cannot read anything sent after its removal', async () => {
  const { mls, a, b, c } = await room();
  // Positive control: before the removal carol reads alice.
  const before = await mls.encrypt(a, text('before removal'));
  assert.equal(await opens(mls, c, before.message), 'before removal');

  const removal = await mls.removeMembers(before.state, [2]);
  const b2 = (await mls.process(b, removal.commit)).state;
  const after = await mls.encrypt(removal.state, text('after removal'));
  assert.equal(await opens(mls, b2, after.message), 'after removal');

  // Carol processes her removal: her state is inert from then on.
  const atCarol = await mls.process(c, removal.commit);
  assert.ok(atCarol.kind === 'commit' && atCarol.selfRemoved);
  await assert.rejects(mls.process(atCarol.state, after.message), rejectsWith('NOT_A_MEMBER'));
  await assert.rejects(mls.encrypt(atCarol.state, text('x')), rejectsWith('NOT_A_MEMBER'));
  // Carol ignoring the removal and keeping her epoch-1 state: the message is for an epoch she never reaches...
  await assert.rejects(mls.process(c, after.message), rejectsWith('WRONG_EPOCH'));
  // ...and relabelled with her epoch it does not decrypt: she lacks the epoch-2 secrets, not just the label.
  await assert.rejects(mls.process(c, relabel(after.message, mls.epoch(c))), rejectsWith('DECRYPT_FAILED'));
});

test('after a key update, a leaked copy of the earlier state opens nothing new', async () => {
  const { mls, a, b } = await room();
  // The attacker copies bob's whole state (epoch secrets, leaf and path private keys, signing key).
  const leaked = mls.encodeState(b);
  // Positive control: the copy is a working state; it reads what alice sends in this epoch.
  const now = await mls.encrypt(a, text('read by the thief'));
  assert.equal(await opens(mls, mls.decodeState(leaked), now.message), 'read by the thief');

  // Bob updates his keys; alice processes it and writes again.
  const update = await mls.selfUpdate(b);
  const a2 = (await mls.process(now.state, update.commit)).state;
  assert.equal(mls.epoch(a2), 2);
  const later = await mls.encrypt(a2, text('after the update'));
  assert.equal(await opens(mls, update.state, later.message), 'after the update');

  // The thief sees everything on the wire: the update commit does not let the copy follow (it is
  // bob's own commit: nothing in it is encrypted to bob's old keys)...
  const thief = mls.decodeState(leaked);
  await assert.rejects(mls.process(thief, update.commit), rejectsWith('REJECTED'));
  // Below the adapter too: the library itself finds no key of the copy that opens the update path.
  const raw = decodeMlsMessage(update.commit, 0)![0];
  assert.equal(raw.wireformat, 'mls_private_message');
  const library = { ...unwrap(thief), clientConfig: { ...defaultClientConfig, authService: { validateCredential: async () => true } } };
  if (raw.wireformat === 'mls_private_message') {
    await assert.rejects(processPrivateMessage(library, raw.privateMessage, makePskIndex(library, {}), suite1), /No overlap between provided private keys and update path/);
  }
  // ...so the new message is for an epoch it cannot reach, and relabelled it does not decrypt.
  await assert.rejects(mls.process(thief, later.message), rejectsWith('WRONG_EPOCH'));
  await assert.rejects(mls.process(thief, relabel(later.message, 1)), rejectsWith('DECRYPT_FAILED'));
});

test('a device added later cannot read what was sent before it joined', async () => {
  const { dir, mls, a, b } = await room();
  const early = await mls.encrypt(a, text('before dave'));
  assert.equal(await opens(mls, b, early.message), 'before dave');
  const dave = await makeDevice('dave');
  dir.add(dave);
  const [kp] = await mls.generateKeyPackages(dave, 1);
  const added = await mls.addMembers(early.state, [kp!.publicBytes]);
  const d = await mls.joinFromWelcome(added.welcome, kp!.privateBytes);
  // Positive control: dave reads what is sent after he joined.
  const late = await mls.encrypt(added.state, text('welcome dave'));
  assert.equal(await opens(mls, d, late.message), 'welcome dave');
  await assert.rejects(mls.process(d, early.message), rejectsWith('WRONG_EPOCH'));
  await assert.rejects(mls.process(d, relabel(early.message, mls.epoch(d))), rejectsWith('DECRYPT_FAILED'));
});

test('a credential the hook refuses cannot be added, cannot join, and cannot send', async () => {
  const { dir, mls, alice, a, b } = await room();
  const mallory = await makeDevice('mallory');
  const [kp] = await mls.generateKeyPackages(mallory, 1);
  // Added by a member: refused, and the error names whose credential it was.
  await assert.rejects(mls.addMembers(a, [kp!.publicBytes]), (e: unknown) => {
    rejectsWith('CREDENTIAL_REFUSED')(e);
    assert.ok(isMlsError(e) && e.refused.length === 1 && e.refused[0]!.name === 'mallory');
    assert.ok(!e.message.includes('mallory'), 'names stay out of messages');
    return true;
  });
  // By external commit: mallory's own client accepts everyone, the members refuse her commit.
  const trusting = new (mls.constructor as typeof MlsClient)({ authenticate: () => true });
  const joined = await trusting.joinExternal(await mls.groupInfo(a), mallory);
  await assert.rejects(mls.process(a, joined.commit), rejectsWith('CREDENTIAL_REFUSED'));
  await assert.rejects(mls.process(b, joined.commit), rejectsWith('CREDENTIAL_REFUSED'));
  // Joining by Welcome into a group with a member the joiner's hook refuses.
  const erin = await makeDevice('erin');
  dir.add(erin);
  const [erinKp] = await mls.generateKeyPackages(erin, 1);
  const added = await mls.addMembers(a, [erinKp!.publicBytes]);
  const suspicious = new DeviceDirectory();
  for (const d of [erin, alice]) suspicious.add(d); // erin's client does not know bob's or carol's devices
  await assert.rejects(suspicious.client().joinFromWelcome(added.welcome, erinKp!.privateBytes), rejectsWith('CREDENTIAL_REFUSED'));
  await mls.joinFromWelcome(added.welcome, erinKp!.privateBytes); // positive control: with the full list she joins
  // A member whose device leaves the account's list: its messages are refused from then on.
  const fromBob = await mls.encrypt(b, text('still me'));
  const stricter = new DeviceDirectory();
  stricter.add(alice);
  await assert.rejects(stricter.client().process(a, fromBob.message), rejectsWith('CREDENTIAL_REFUSED'));
  assert.equal(await opens(mls, a, fromBob.message), 'still me');
});

test('a hook that throws fails the operation with its own error, and one that says "yes" loosely refuses', async () => {
  const { mls, a, b } = await room();
  const boom = new Error('device list unavailable');
  const throwing = new (mls.constructor as typeof MlsClient)({ authenticate: () => { throw boom; } });
  const m = await mls.encrypt(a, text('hi'));
  await assert.rejects(throwing.process(b, m.message), (e: unknown) => e === boom);
  const loose = new (mls.constructor as typeof MlsClient)({ authenticate: (() => 1) as unknown as () => boolean });
  await assert.rejects(loose.process(b, m.message), rejectsWith('CREDENTIAL_REFUSED'));
});

test('a member cannot speak as another member: the sender signature binds the leaf', async () => {
  const { mls, a, b, c } = await room();
  // Every member can derive every leaf's message keys (RFC 9420 §9): bob encrypts as leaf 0 (alice),
  // signing with his own key, the strongest forgery an insider can build.
  const cs = unwrap(b);
  const forged = await protectApplicationData(cs.signaturePrivateKey, cs.keySchedule.senderDataSecret, text('I am alice'), new Uint8Array(0), cs.groupContext, cs.secretTree, 0, PADDING, suite1);
  const bytes = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: forged.privateMessage });
  await assert.rejects(mls.process(c, bytes), rejectsWith('BAD_SIGNATURE'));
  // Positive control: the same construction as himself (leaf 1) is accepted, and names bob.
  const honest = await protectApplicationData(cs.signaturePrivateKey, cs.keySchedule.senderDataSecret, text('I am bob'), new Uint8Array(0), cs.groupContext, cs.secretTree, 1, PADDING, suite1);
  const got = await mls.process(c, encodeMlsMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: honest.privateMessage }));
  assert.ok(got.kind === 'application' && got.sender.name === 'bob' && got.sender.leaf === 1);
  assert.ok(mls.members(a).length === 3);
});

test('members propose only removals and updates: an add proposal is refused', async () => {
  const { dir, mls, a, b } = await room();
  const dave = await makeDevice('dave');
  dir.add(dave);
  const { keyPackage } = await makeKeyPackage(dave);
  const cs = { ...unwrap(b), clientConfig: { ...defaultClientConfig, authService: { validateCredential: async () => true } } };
  const proposal = await createProposal(cs, false, { proposalType: 'add', add: { keyPackage } }, suite1);
  await assert.rejects(mls.process(a, encodeMlsMessage(proposal.message)), (e: unknown) => rejectsWith('REJECTED')(e) && /add proposal/.test((e as Error).message));
});

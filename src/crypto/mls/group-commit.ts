// Commits made by a member (RFC 9420 §12.4): adding devices, removing devices, and updating the
// committer's own keys. Every commit goes out as a PrivateMessage (the delivery service sees
// only group id, epoch and content type), carries the proposals this device has received
// (committed by reference), and comes with the new epoch's GroupInfo for the delivery service
// to keep. The returned state is a candidate: adopt it once the delivery service accepts the
// commit; if another commit won the epoch, keep the old state, process the winner, and retry.
import { createCommit, type ClientState, type Proposal } from 'ts-mls';
import { AuthRecord, operationConfig, type CredentialCheck } from './auth-hook.js';
import { expectDeviceId, type MlsIdentity } from './credential.js';
import { groupInfoOf } from './group-info.js';
import { membersOf } from './group-members.js';
import { expectActive, unwrap, wrap, type MlsGroupState } from './group-state.js';
import { inspectKeyPackage } from './key-packages.js';
import { guarded } from './library-errors.js';
import { encodeMessage } from './mls-message.js';
import { MlsError } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';

/** Most devices one addMembers or removeMembers call may name. */
export const MAX_MEMBERS_PER_COMMIT = 1000;

/** A commit that changes nothing but keys and membership the caller named. */
export interface MlsCommit {
  /** The encoded MLSMessage(PrivateMessage) to hand the delivery service. */
  commit: Uint8Array;
  /** The new epoch's GroupInfo (ratchet tree + external public key) for the delivery service. */
  groupInfo: Uint8Array;
  /** This device's state once the commit is accepted. */
  state: MlsGroupState;
}

/** addMembers' result: the commit plus the Welcome for the added devices. */
export interface MlsAddCommit extends MlsCommit {
  /** The encoded MLSMessage(Welcome), one for all added devices (each finds its secrets by KeyPackageRef). */
  welcome: Uint8Array;
}

/** Who to remove: a leaf index, or a device by (name, deviceId). */
export type MlsRemoveTarget = number | MlsIdentity;

async function commit(check: CredentialCheck, state: MlsGroupState, proposals: Proposal[], what: string) {
  const cs = unwrap(state);
  expectActive(cs, what);
  const record = new AuthRecord();
  const withHook: ClientState = { ...cs, clientConfig: operationConfig(check, record) };
  const result = await guarded(what, record, () =>
    createCommit({ state: withHook, cipherSuite: suite1 }, { extraProposals: proposals, ratchetTreeExtension: true }),
  );
  return {
    commit: encodeMessage(result.commit),
    welcome: result.welcome === undefined ? undefined : encodeMessage({ wireformat: 'mls_welcome', welcome: result.welcome }),
    groupInfo: await groupInfoOf(result.newState),
    state: wrap(result.newState),
  };
}

/**
 * Adds devices by their key packages (encoded MLSMessages). Each package is checked first
 * (decoding, suite, credential, signatures; the error names its index), then every credential
 * goes through the authentication hook (CREDENTIAL_REFUSED if one is refused).
 */
export async function addMembers(check: CredentialCheck, state: MlsGroupState, keyPackages: readonly Uint8Array[]): Promise<MlsAddCommit> {
  if (!Array.isArray(keyPackages) || keyPackages.length === 0 || keyPackages.length > MAX_MEMBERS_PER_COMMIT) {
    throw new MlsError('BAD_INPUT', `keyPackages: expected an array of 1-${MAX_MEMBERS_PER_COMMIT} encoded key packages`);
  }
  const proposals: Proposal[] = [];
  for (const [i, bytes] of keyPackages.entries()) {
    const { keyPackage } = await inspectKeyPackage(bytes, `keyPackages[${i}]`);
    proposals.push({ proposalType: 'add', add: { keyPackage } });
  }
  const made = await commit(check, state, proposals, 'addMembers');
  if (made.welcome === undefined) throw new MlsError('INTERNAL', 'addMembers: the library made no Welcome');
  return { commit: made.commit, welcome: made.welcome, groupInfo: made.groupInfo, state: made.state };
}

/** Resolves removal targets to leaf indexes (UNKNOWN_MEMBER / BAD_INPUT with the target's index). */
function resolveTargets(cs: ClientState, targets: readonly MlsRemoveTarget[]): number[] {
  const current = membersOf(cs);
  const own = cs.privatePath.leafIndex;
  const leaves = new Set<number>();
  for (const [i, t] of targets.entries()) {
    let found: number[];
    if (typeof t === 'number') {
      if (!Number.isSafeInteger(t) || t < 0) throw new MlsError('BAD_INPUT', `targets[${i}]: expected a leaf index (a non-negative integer)`);
      found = current.some((m) => m.leaf === t) ? [t] : [];
    } else if (t !== null && typeof t === 'object' && typeof t.name === 'string') {
      expectDeviceId(t.deviceId, `targets[${i}].deviceId`);
      found = current.filter((m) => m.name === t.name && m.deviceId.every((b, j) => b === t.deviceId[j])).map((m) => m.leaf);
    } else {
      throw new MlsError('BAD_INPUT', `targets[${i}]: expected a leaf index or { name, deviceId }`);
    }
    if (found.length === 0) throw new MlsError('UNKNOWN_MEMBER', `targets[${i}]: no such member in the group`);
    for (const leaf of found) {
      if (leaf === own) throw new MlsError('BAD_INPUT', `targets[${i}]: a device cannot remove itself by commit (proposeLeave asks the others)`);
      leaves.add(leaf);
    }
  }
  return [...leaves].sort((a, b) => a - b);
}

/** Removes devices (by leaf index or by (name, deviceId); every leaf of a matching device goes). */
export async function removeMembers(check: CredentialCheck, state: MlsGroupState, targets: readonly MlsRemoveTarget[]): Promise<MlsCommit> {
  if (!Array.isArray(targets) || targets.length === 0 || targets.length > MAX_MEMBERS_PER_COMMIT) {
    throw new MlsError('BAD_INPUT', `targets: expected an array of 1-${MAX_MEMBERS_PER_COMMIT} leaf indexes or { name, deviceId }`);
  }
  const leaves = resolveTargets(unwrap(state), targets);
  const made = await commit(check, state, leaves.map((removed) => ({ proposalType: 'remove', remove: { removed } })), 'removeMembers');
  return { commit: made.commit, groupInfo: made.groupInfo, state: made.state };
}

/**
 * Updates this device's keys: a commit with an update path and no new proposals (RFC 9420
 * §12.4.1: "empty commit"), which gives the group fresh epoch secrets that an attacker holding
 * this device's earlier state cannot derive (post-compromise security). Proposals received
 * since the last commit are committed with it, so it also serves to commit pending proposals.
 */
export async function selfUpdate(check: CredentialCheck, state: MlsGroupState): Promise<MlsCommit> {
  const made = await commit(check, state, [], 'selfUpdate');
  return { commit: made.commit, groupInfo: made.groupInfo, state: made.state };
}

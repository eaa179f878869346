// Reading a group state: its members (one per occupied leaf), epoch and id.
import type { ClientState, LeafNode, RatchetTree } from 'ts-mls';
import { parseCredentialIdentity } from './credential.js';
import { unwrap, type MlsGroupState } from './group-state.js';
import { MlsError } from './mls-error.js';

/** One member of a group: a device's leaf. */
export interface MlsMember {
  /** Leaf index (RFC 9420 §4.1): stable while the member stays, reused after it leaves. */
  leaf: number;
  name: string;
  deviceId: Uint8Array;
  signaturePublicKey: Uint8Array;
}

/** The leaf node at a leaf index, or undefined when the leaf is blank (leaf i is node 2i). */
export function leafNodeAt(tree: RatchetTree, leaf: number): LeafNode | undefined {
  const node = tree[2 * leaf];
  return node?.nodeType === 'leaf' ? node.leaf : undefined;
}

/** A leaf node as a member (its credential parsed; BAD_CREDENTIAL if it is not a sealcast credential). */
export function memberOf(leaf: number, node: LeafNode): MlsMember {
  if (node.credential.credentialType !== 'basic') throw new MlsError('BAD_CREDENTIAL', `leaf ${leaf}: not a basic credential`);
  const { name, deviceId } = parseCredentialIdentity(node.credential.identity);
  return { leaf, name, deviceId, signaturePublicKey: node.signaturePublicKey.slice() };
}

/** Every member of a library state, by leaf index. */
export function membersOf(cs: ClientState): MlsMember[] {
  const out: MlsMember[] = [];
  for (let leaf = 0; 2 * leaf < cs.ratchetTree.length; leaf++) {
    const node = leafNodeAt(cs.ratchetTree, leaf);
    if (node !== undefined) out.push(memberOf(leaf, node));
  }
  return out;
}

/** The group's members, by leaf index. */
export function members(state: MlsGroupState): MlsMember[] {
  return membersOf(unwrap(state));
}

/** The group's current epoch (0 at creation, +1 per commit). */
export function epoch(state: MlsGroupState): number {
  return Number(unwrap(state).groupContext.epoch);
}

/** The group's id (a copy). */
export function groupId(state: MlsGroupState): Uint8Array {
  return unwrap(state).groupContext.groupId.slice();
}

/** This device's own leaf index in the group. */
export function ownLeaf(state: MlsGroupState): number {
  return unwrap(state).privatePath.leafIndex;
}

/** True while this device is a member (false once a commit removed it). */
export function isActive(state: MlsGroupState): boolean {
  return unwrap(state).groupActiveState.kind === 'active';
}

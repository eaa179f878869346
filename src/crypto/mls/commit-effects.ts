// What a commit did to the membership, read off the trees before and after it: who joined, who
// left, whose keys changed. Reading the trees (instead of the proposal list) covers every kind
// of commit the same way: adds, removals, updates, external joins and resyncs.
import type { ClientState } from 'ts-mls';
import { constantTimeEqual } from '../bytes.js';
import { leafNodeAt, memberOf, type MlsMember } from './group-members.js';

/** Membership changes of one commit. */
export interface CommitEffects {
  added: MlsMember[];
  removed: MlsMember[];
  /** Members still at the same leaf with the same signature key whose leaf changed (new encryption key). */
  updated: MlsMember[];
}

/** The changes between two library states of the same group. */
export function commitEffects(before: ClientState, after: ClientState): CommitEffects {
  const width = Math.max(before.ratchetTree.length, after.ratchetTree.length);
  const out: CommitEffects = { added: [], removed: [], updated: [] };
  for (let leaf = 0; 2 * leaf < width; leaf++) {
    const old = leafNodeAt(before.ratchetTree, leaf);
    const now = leafNodeAt(after.ratchetTree, leaf);
    if (old !== undefined && now !== undefined && constantTimeEqual(old.signaturePublicKey, now.signaturePublicKey)) {
      if (!constantTimeEqual(old.hpkePublicKey, now.hpkePublicKey)) out.updated.push(memberOf(leaf, now));
      continue;
    }
    if (old !== undefined) out.removed.push(memberOf(leaf, old));
    if (now !== undefined) out.added.push(memberOf(leaf, now));
  }
  return out;
}

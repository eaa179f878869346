// The checks both ways of joining make on what they are handed (RFC 9420 §12.4.3.1-2): the
// GroupInfo's signer is a member whose credential the hook accepts and whose signature verifies,
// and the whole ratchet tree is valid for the GroupInfo's group context.
import type { GroupInfo, RatchetTree } from 'ts-mls';
import { verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { credentialFailure, type AuthRecord, type CredentialGate } from './auth-hook.js';
import { MlsError } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';
import { validateTree } from './tree-validation.js';

/** Throws (REJECTED, CREDENTIAL_REFUSED, BAD_CREDENTIAL, BAD_SIGNATURE) unless `gi` and its `tree` can be trusted. */
export async function checkGroupInfoAndTree(gi: GroupInfo, tree: RatchetTree, gate: CredentialGate, record: AuthRecord, what: string): Promise<void> {
  const signer = tree[2 * gi.signer];
  if (signer?.nodeType !== 'leaf') throw new MlsError('REJECTED', `${what}: the GroupInfo's signer (leaf ${gi.signer}) is not a member`);
  if (!(await gate(signer.leaf.credential, signer.leaf.signaturePublicKey))) throw credentialFailure(record, `${what}: the GroupInfo's signer was refused`);
  if (!(await verifyGroupInfoSignature(gi, signer.leaf.signaturePublicKey, suite1.signature))) {
    throw new MlsError('BAD_SIGNATURE', `${what}: the GroupInfo signature does not verify`);
  }
  await validateTree(tree, gi.groupContext, suite1, gate, (message) => credentialFailure(record, `${what}: ${message}`));
}

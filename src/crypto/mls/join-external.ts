// Joining by external commit (RFC 9420 §12.4.3.2), on ts-mls's building blocks with our tree
// validation (ts-mls's joinGroupExternal validates with the wrong unmerged-leaves rule, see
// ./tree-validation.ts). The joiner derives the init secret from the GroupInfo's external public
// key, adds its own leaf (removing its old one first when it is resyncing), sends a full update
// path, and signs the commit as new_member_commit; the result goes out as a PublicMessage.
import type { ClientState, GroupInfo, KeyPackage, PrivateKeyPackage, Proposal, PublicMessage } from 'ts-mls';
import { exportSecret, nextEpochContext } from 'ts-mls/clientState.js';
import { deriveSecret } from 'ts-mls/crypto/kdf.js';
import { extensionsSupportedByCapabilities } from 'ts-mls/extension.js';
import { createConfirmationTag, createContentCommitSignature } from 'ts-mls/framedContent.js';
import { ratchetTreeFromExtension } from 'ts-mls/groupInfo.js';
import { initializeEpoch } from 'ts-mls/keySchedule.js';
import { protectPublicMessage } from 'ts-mls/messageProtectionPublic.js';
import { addLeafNode, removeLeafNode } from 'ts-mls/ratchetTree.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { leafWidth, root, toLeafIndex } from 'ts-mls/treemath.js';
import { createUpdatePath } from 'ts-mls/updatePath.js';
import type { AuthRecord, CredentialGate } from './auth-hook.js';
import { checkGroupInfoAndTree } from './group-info-check.js';
import { constantTimeEqual } from '../bytes.js';
import { MlsError } from './mls-error.js';
import { SUITE_1, suite1 } from './provider/suite-impl.js';

/** The external commit joining `gi`'s group with `keyPackage`'s leaf, and the joiner's new state. */
export async function externalJoin(
  gi: GroupInfo,
  keyPackage: KeyPackage,
  priv: PrivateKeyPackage,
  gate: CredentialGate,
  record: AuthRecord,
  clientConfig: ClientState['clientConfig'],
): Promise<{ publicMessage: PublicMessage; state: ClientState; resync: boolean }> {
  const cs = suite1;
  const what = 'joinExternal';
  const gc = gi.groupContext;
  if (gc.cipherSuite !== SUITE_1 || gc.version !== 'mls10') throw new MlsError('REJECTED', `${what}: the group's cipher suite is not ${SUITE_1}`);
  if (!extensionsSupportedByCapabilities(gc.extensions, keyPackage.leafNode.capabilities)) throw new MlsError('REJECTED', `${what}: the group uses an extension this device does not support`);
  const externalPub = gi.extensions.find((x) => x.extensionType === 'external_pub');
  if (externalPub === undefined) throw new MlsError('BAD_MESSAGE', `${what}: the GroupInfo carries no external public key`);
  const tree = ratchetTreeFromExtension(gi);
  if (tree === undefined) throw new MlsError('BAD_MESSAGE', `${what}: the GroupInfo carries no ratchet tree`);
  await checkGroupInfoAndTree(gi, tree, gate, record, what);

  // The init secret from the external public key (RFC 9420 §8.3), and this device's place in the tree.
  const { enc, secret: initSecret } = await exportSecret(externalPub.extensionData, cs);
  const formerNode = tree.findIndex((n, i) => i % 2 === 0 && n?.nodeType === 'leaf' && constantTimeEqual(n.leaf.signaturePublicKey, keyPackage.leafNode.signaturePublicKey));
  const resync = formerNode >= 0;
  const base = resync ? removeLeafNode(tree, toLeafIndex(formerNode / 2)) : tree;
  const [withLeaf, leafNode] = addLeafNode(base, keyPackage.leafNode);
  const ownLeaf = leafNode / 2;
  const [newTree, path, pathSecrets, leafKey] = await createUpdatePath(withLeaf, toLeafIndex(ownLeaf), gc, priv.signaturePrivateKey, cs);
  const rootIndex = root(leafWidth(newTree.length));
  const rootSecret = pathSecrets.find((s) => s.nodeIndex === rootIndex);
  if (rootSecret === undefined) throw new MlsError('INTERNAL', `${what}: the update path does not reach the root`);
  const commitSecret = await deriveSecret(rootSecret.secret, 'path', cs.kdf);
  const privateKeys: Record<number, Uint8Array> = { [2 * ownLeaf]: await cs.hpke.exportPrivateKey(leafKey) };
  for (const s of pathSecrets) {
    const pair = await cs.hpke.deriveKeyPair(await deriveSecret(s.secret, 'node', cs.kdf));
    privateKeys[s.nodeIndex] = await cs.hpke.exportPrivateKey(pair.privateKey);
  }

  // The commit: [Remove(old leaf)], ExternalInit(kem_output), with the path, signed as new_member_commit.
  const proposals: Proposal[] = [];
  if (resync) proposals.push({ proposalType: 'remove', remove: { removed: formerNode / 2 } });
  proposals.push({ proposalType: 'external_init', externalInit: { kemOutput: enc } });
  const { signature, framedContent } = await createContentCommitSignature(
    gc,
    'mls_public_message',
    { proposals: proposals.map((proposal) => ({ proposalOrRefType: 'proposal' as const, proposal })), path },
    { senderType: 'new_member_commit' },
    new Uint8Array(0),
    priv.signaturePrivateKey,
    cs.signature,
  );
  const nextContext = await nextEpochContext(gc, 'mls_public_message', framedContent, signature, await treeHashRoot(newTree, cs.hash), gi.confirmationTag, cs.hash);
  const epoch = await initializeEpoch(initSecret, commitSecret, nextContext, new Uint8Array(cs.kdf.size), cs.kdf);
  const confirmationTag = await createConfirmationTag(epoch.keySchedule.confirmationKey, nextContext.confirmedTranscriptHash, cs.hash);
  const publicMessage = await protectPublicMessage(
    epoch.keySchedule.membershipKey,
    gc,
    { wireformat: 'mls_public_message', content: framedContent, auth: { contentType: 'commit', signature, confirmationTag } },
    cs,
  );
  const state: ClientState = {
    groupContext: nextContext,
    ratchetTree: newTree,
    secretTree: await createSecretTree(leafWidth(newTree.length), epoch.encryptionSecret, cs.kdf),
    privatePath: { leafIndex: ownLeaf, privateKeys },
    confirmationTag,
    historicalReceiverData: new Map(),
    signaturePrivateKey: priv.signaturePrivateKey,
    keySchedule: epoch.keySchedule,
    unappliedProposals: {},
    groupActiveState: { kind: 'active' },
    clientConfig,
  };
  return { publicMessage, state, resync };
}

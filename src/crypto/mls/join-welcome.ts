// Joining from a Welcome (RFC 9420 §12.4.3.1), step by step on ts-mls's building blocks. ts-mls's
// own joinGroup validates the tree with a wrong unmerged-leaves rule (see ./tree-validation.ts),
// so the orchestration is ours: every step of the RFC, in its order, with our tree validation,
// our credential hook, and a check the library leaves out (the path keys derived from the
// Welcome's path_secret must be the keys in the tree). sealcast uses no PSKs; a Welcome that
// needs one is refused.
import type { ClientState, KeyPackage, PrivateKeyPackage, RatchetTree, Welcome } from 'ts-mls';
import { deriveSecret } from 'ts-mls/crypto/kdf.js';
import { extensionsSupportedByCapabilities } from 'ts-mls/extension.js';
import { ratchetTreeFromExtension, verifyGroupInfoConfirmationTag } from 'ts-mls/groupInfo.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { deriveKeySchedule } from 'ts-mls/keySchedule.js';
import { pathToRoot } from 'ts-mls/pathSecrets.js';
import { findLeafIndex, getHpkePublicKey } from 'ts-mls/ratchetTree.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { leafWidth, toLeafIndex } from 'ts-mls/treemath.js';
import { firstCommonAncestor } from 'ts-mls/updatePath.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import type { AuthRecord, CredentialGate } from './auth-hook.js';
import { checkGroupInfoAndTree } from './group-info-check.js';
import { constantTimeEqual } from '../bytes.js';
import { MlsError } from './mls-error.js';
import { SUITE_1, suite1 } from './provider/suite-impl.js';

/**
 * The library state a Welcome gives the key package `keyPackage` (its private keys in `priv`).
 * `outOfBandTree` is for a Welcome without the ratchet_tree extension (RFC 9420 allows sending the
 * tree separately; sealcast does not, and joinFromWelcome never passes one).
 */
export async function stateFromWelcome(
  welcome: Welcome,
  keyPackage: KeyPackage,
  priv: PrivateKeyPackage,
  gate: CredentialGate,
  record: AuthRecord,
  clientConfig: ClientState['clientConfig'],
  outOfBandTree?: RatchetTree,
): Promise<ClientState> {
  const cs = suite1;
  const what = 'joinFromWelcome';
  if (welcome.cipherSuite !== SUITE_1) throw new MlsError('REJECTED', `${what}: cipher suite ${welcome.cipherSuite} is not ${SUITE_1}`);
  // 1. The secrets for this key package (found by KeyPackageRef), opened with its init key.
  const ref = await makeKeyPackageRef(keyPackage, cs.hash);
  if (!welcome.secrets.some((s) => constantTimeEqual(s.newMember, ref))) throw new MlsError('NOT_A_RECIPIENT', `${what}: the Welcome holds no secrets for this key package`);
  const secrets = await decryptGroupSecrets(await cs.hpke.importPrivateKey(priv.initPrivateKey), ref, welcome, cs.hpke);
  if (secrets === undefined) throw new MlsError('BAD_MESSAGE', `${what}: the group secrets do not decode`);
  if (secrets.psks.length > 0) throw new MlsError('REJECTED', `${what}: the Welcome needs pre-shared keys, which sealcast does not use`);
  const pskSecret = new Uint8Array(cs.kdf.size);
  // 2. The GroupInfo, under the welcome secret.
  const gi = await decryptGroupInfo(welcome, secrets.joinerSecret, pskSecret, cs);
  if (gi === undefined) throw new MlsError('BAD_MESSAGE', `${what}: the GroupInfo does not decode`);
  const gc = gi.groupContext;
  if (gc.cipherSuite !== keyPackage.cipherSuite || gc.version !== 'mls10') throw new MlsError('REJECTED', `${what}: the group's suite or version is not the key package's`);
  if (!extensionsSupportedByCapabilities(gc.extensions, keyPackage.leafNode.capabilities)) throw new MlsError('REJECTED', `${what}: the group uses an extension this device does not support`);
  // 3. The tree (sealcast's Welcomes always carry it; the working group's vectors sometimes pass it
  // beside the Welcome), the signer, and the whole tree's validity.
  const tree = ratchetTreeFromExtension(gi) ?? outOfBandTree;
  if (tree === undefined) throw new MlsError('BAD_MESSAGE', `${what}: the Welcome carries no ratchet tree`);
  await checkGroupInfoAndTree(gi, tree, gate, record, what);
  // 4. This device's leaf, and the path keys the committer shared with it (each checked against the tree).
  const ownLeaf = findLeafIndex(tree, keyPackage.leafNode);
  if (ownLeaf === undefined) throw new MlsError('REJECTED', `${what}: the tree does not hold this key package's leaf`);
  const privateKeys: Record<number, Uint8Array> = { [2 * ownLeaf]: priv.hpkePrivateKey };
  if (secrets.pathSecret !== undefined) {
    const start = firstCommonAncestor(tree, toLeafIndex(ownLeaf), toLeafIndex(gi.signer));
    const path = await pathToRoot(tree, start, secrets.pathSecret, cs.kdf);
    for (const [node, pathSecret] of Object.entries(path)) {
      const pair = await cs.hpke.deriveKeyPair(await deriveSecret(pathSecret, 'node', cs.kdf));
      const target = tree[Number(node)];
      if (target === undefined || !constantTimeEqual(await cs.hpke.exportPublicKey(pair.publicKey), getHpkePublicKey(target))) {
        throw new MlsError('REJECTED', `${what}: the path secret does not give node ${node}'s key`);
      }
      privateKeys[Number(node)] = await cs.hpke.exportPrivateKey(pair.privateKey);
    }
  }
  // 5. The epoch's key schedule, confirmed by the GroupInfo's confirmation tag.
  const [keySchedule, encryptionSecret] = await deriveKeySchedule(secrets.joinerSecret, pskSecret, gc, cs.kdf);
  if (!(await verifyGroupInfoConfirmationTag(gi, secrets.joinerSecret, pskSecret, cs))) throw new MlsError('REJECTED', `${what}: the confirmation tag does not verify`);
  const secretTree = await createSecretTree(leafWidth(tree.length), encryptionSecret, cs.kdf);
  return {
    groupContext: gc,
    ratchetTree: tree,
    privatePath: { leafIndex: ownLeaf, privateKeys },
    signaturePrivateKey: priv.signaturePrivateKey,
    confirmationTag: gi.confirmationTag,
    unappliedProposals: {},
    keySchedule,
    secretTree,
    historicalReceiverData: new Map(),
    groupActiveState: { kind: 'active' },
    clientConfig,
  };
}

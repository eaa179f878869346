// MLS working-group vectors for the ratchet tree: tree-operations (add/update/remove and tree
// hashes), tree-validation (tree hashes, resolutions, parent hashes, leaf signatures, and the
// library's whole-tree validation) and treekem (path secrets, update paths and commit secrets,
// both the vector's paths and fresh ones made here). Suite 1 runs on sealcast's provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CiphersuiteImpl, GroupContext, RatchetTree } from 'ts-mls';
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import { deriveSecret } from 'ts-mls/crypto/kdf.js';
import { addLeafNode, decodeRatchetTree, encodeRatchetTree, getHpkePublicKey, removeLeafNode, resolution, updateLeafNode } from 'ts-mls/ratchetTree.js';
import { decodeProposal } from 'ts-mls/proposal.js';
import { treeHash, treeHashRoot } from 'ts-mls/treeHash.js';
import { verifyParentHashes } from 'ts-mls/parentHash.js';
import { verifyLeafNodeSignature } from 'ts-mls/leafNode.js';
import { validateRatchetTree } from 'ts-mls/clientState.js';
import { validateTree } from '../tree-validation.js';
import { applyUpdatePath, createUpdatePath, decodeUpdatePath } from 'ts-mls/updatePath.js';
import { applyUpdatePathSecret } from 'ts-mls/createCommit.js';
import { getCommitSecret } from 'ts-mls/pathSecrets.js';
import { toPrivateKeyPath } from 'ts-mls/privateKeyPath.js';
import { leafWidth, root, toLeafIndex, toNodeIndex } from 'ts-mls/treemath.js';
import { encryptWithLabel, decryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { bytesHex, hexBytes as h } from '../../../../test/support/mls-vectors.js';
import { eachCase, type Suited } from '../../../../test/support/mls-suites.js';

const eq = (actual: Uint8Array, hex: string, what: string) => assert.equal(bytesHex(actual), hex, what);

function decodeTree(hex: string): RatchetTree {
  const decoded = decodeRatchetTree(h(hex), 0);
  assert.ok(decoded !== undefined, 'ratchet tree decodes');
  return decoded[0];
}

/** True when `priv` opens what is sealed to `pub` (how a private key is matched to a public one). */
async function keysMatch(pub: Uint8Array, priv: Uint8Array, cs: CiphersuiteImpl): Promise<boolean> {
  const probe = crypto.getRandomValues(new Uint8Array(16));
  const sealed = await encryptWithLabel(await cs.hpke.importPublicKey(pub), 'probe', new Uint8Array(0), probe, cs.hpke);
  const opened = await decryptWithLabel(await cs.hpke.importPrivateKey(priv), 'probe', new Uint8Array(0), sealed.enc, sealed.ct, cs.hpke);
  return bytesHex(opened) === bytesHex(probe);
}

interface TreeOperationsCase extends Suited {
  tree_before: string;
  tree_hash_before: string;
  proposal: string;
  proposal_sender: number;
  tree_after: string;
  tree_hash_after: string;
}

test('vectors: tree-operations', async (t) => {
  await eachCase<TreeOperationsCase>(t, 'tree-operations.json', 5, async (v, cs) => {
    const before = decodeTree(v.tree_before);
    eq(await treeHashRoot(before, cs.hash), v.tree_hash_before, 'tree hash before');
    const p = decodeProposal(h(v.proposal), 0)?.[0];
    assert.ok(p !== undefined, 'proposal decodes');
    let after: RatchetTree;
    if (p.proposalType === 'add') after = addLeafNode(before, p.add.keyPackage.leafNode)[0];
    else if (p.proposalType === 'update') after = updateLeafNode(before, p.update.leafNode, toLeafIndex(v.proposal_sender));
    else if (p.proposalType === 'remove') after = removeLeafNode(before, toLeafIndex(p.remove.removed));
    else throw new Error(`unexpected proposal ${String(p.proposalType)}`);
    eq(encodeRatchetTree(after), v.tree_after, `tree after ${String(p.proposalType)}`);
    eq(await treeHashRoot(after, cs.hash), v.tree_hash_after, 'tree hash after');
  });
});

interface TreeValidationCase extends Suited {
  tree: string;
  group_id: string;
  tree_hashes: string[];
  resolutions: number[][];
}

test('vectors: tree-validation', async (t) => {
  const acceptAll = { validateCredential: async () => true };
  let libraryRefused = 0;
  await eachCase<TreeValidationCase>(t, 'tree-validation.json', 14, async (v, cs) => {
    const tree = decodeTree(v.tree);
    for (const [i, hash] of v.tree_hashes.entries()) eq(await treeHash(tree, toNodeIndex(i), cs.hash), hash, `tree hash of node ${i}`);
    for (const [i, r] of v.resolutions.entries()) assert.deepEqual(resolution(tree, toNodeIndex(i)), r, `resolution of node ${i}`);
    assert.ok(await verifyParentHashes(tree, cs.hash), 'parent hashes');
    for (const [i, node] of tree.entries()) {
      if (node?.nodeType === 'leaf') assert.ok(await verifyLeafNodeSignature(node.leaf, h(v.group_id), i / 2, cs.signature), `leaf ${i / 2} signature`);
    }
    const rootHash = await treeHashRoot(tree, cs.hash);
    const gc: GroupContext = {
      version: 'mls10', cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId), groupId: h(v.group_id), epoch: 0n,
      treeHash: rootHash, confirmedTranscriptHash: new Uint8Array(0), extensions: [],
    };
    // sealcast's own whole-tree validation (src/crypto/mls/tree-validation.ts) accepts every vector tree.
    await validateTree(tree, gc, cs, async () => true, (m) => new Error(m));
    // ts-mls 1.6's own validateRatchetTree refuses some of them (its unmerged-leaves rule is wrong):
    // counted here, so the day a library upgrade fixes it shows in the diagnostics.
    const problem = await validateRatchetTree(tree, gc, { maximumTotalLifetime: 2n ** 62n, validateLifetimeOnReceive: false }, acceptAll, rootHash, cs);
    if (problem !== undefined) {
      assert.match(problem.message, /unmerged_leaves/, 'the library refuses a vector tree for another reason');
      libraryRefused++;
    }
  }, 'suite-1');
  t.diagnostic(`ts-mls validateRatchetTree wrongly refused ${libraryRefused} vector trees (unmerged leaves); sealcast's validateTree accepted all`);
  assert.ok(libraryRefused > 0, 'the library bug this adapter works around is no longer reproduced: re-check tree-validation.ts');
});

interface TreeKemCase extends Suited {
  group_id: string;
  epoch: number;
  confirmed_transcript_hash: string;
  ratchet_tree: string;
  leaves_private: { index: number; encryption_priv: string; signature_priv: string; path_secrets: { node: number; path_secret: string }[] }[];
  update_paths: { sender: number; update_path: string; path_secrets: (string | null)[]; commit_secret: string; tree_hash_after: string }[];
}

test('vectors: treekem', async (t) => {
  await eachCase<TreeKemCase>(t, 'treekem.json', 11, async (v, cs) => {
    const tree = decodeTree(v.ratchet_tree);
    const context = (treeHashValue: Uint8Array, epoch: bigint): GroupContext => ({
      version: 'mls10', cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId), groupId: h(v.group_id), epoch,
      treeHash: treeHashValue, confirmedTranscriptHash: h(v.confirmed_transcript_hash), extensions: [],
    });
    // Each private leaf: its encryption key matches its leaf, and each path secret's key pair matches its node.
    const privatePaths = [];
    for (const leaf of v.leaves_private) {
      const node = tree[2 * leaf.index];
      assert.ok(node?.nodeType === 'leaf', `leaf ${leaf.index} present`);
      assert.ok(await keysMatch(node.leaf.hpkePublicKey, h(leaf.encryption_priv), cs), `leaf ${leaf.index} encryption key`);
      const secrets: Record<number, Uint8Array> = {};
      for (const ps of leaf.path_secrets) {
        secrets[ps.node] = h(ps.path_secret);
        const pair = await cs.hpke.deriveKeyPair(await deriveSecret(h(ps.path_secret), 'node', cs.kdf));
        const target = tree[ps.node];
        assert.ok(target !== undefined, `node ${ps.node} present`);
        eq(await cs.hpke.exportPublicKey(pair.publicKey), bytesHex(getHpkePublicKey(target)), `node ${ps.node} key from its path secret`);
      }
      const derived = await toPrivateKeyPath(secrets, leaf.index, cs);
      privatePaths.push({ leafIndex: leaf.index, privateKeys: { ...derived.privateKeys, [2 * leaf.index]: h(leaf.encryption_priv) } });
    }
    for (const up of v.update_paths) {
      const path = decodeUpdatePath(h(up.update_path), 0)?.[0];
      assert.ok(path !== undefined, 'UpdatePath decodes');
      const updated = await applyUpdatePath(tree, toLeafIndex(up.sender), path, cs.hash);
      const hashAfter = await treeHashRoot(updated, cs.hash);
      eq(hashAfter, up.tree_hash_after, `tree hash after sender ${up.sender}'s path`);
      const gc = context(hashAfter, BigInt(v.epoch));
      for (const pp of privatePaths) {
        if (pp.leafIndex === up.sender) {
          assert.equal(up.path_secrets[pp.leafIndex], null, 'no path secret for the sender itself');
          continue;
        }
        const got = await applyUpdatePathSecret(updated, pp, toLeafIndex(up.sender), gc, path, [], cs);
        eq(got.pathSecret, up.path_secrets[pp.leafIndex]!, `leaf ${pp.leafIndex} path secret from sender ${up.sender}`);
        eq(await getCommitSecret(updated, got.nodeIndex, got.pathSecret, cs.kdf), up.commit_secret, `leaf ${pp.leafIndex} commit secret`);
      }
      // A fresh path by the same sender (made with this provider's randomness) reaches every other leaf.
      const sender = v.leaves_private.find((l) => l.index === up.sender);
      assert.ok(sender !== undefined, 'the sender is a private leaf');
      const [fresh, freshPath, freshSecrets] = await createUpdatePath(updated, toLeafIndex(up.sender), gc, h(sender.signature_priv), cs);
      const rootIndex = root(leafWidth(fresh.length));
      const rootSecret = freshSecrets.find((s) => s.nodeIndex === rootIndex);
      assert.ok(rootSecret !== undefined, 'the fresh path reaches the root');
      const commitSecret = bytesHex(await deriveSecret(rootSecret.secret, 'path', cs.kdf));
      const freshContext = context(await treeHashRoot(fresh, cs.hash), BigInt(v.epoch) + 1n);
      for (const pp of privatePaths) {
        if (pp.leafIndex === up.sender) continue;
        const got = await applyUpdatePathSecret(fresh, pp, toLeafIndex(up.sender), freshContext, freshPath, [], cs);
        assert.equal(bytesHex(await getCommitSecret(fresh, got.nodeIndex, got.pathSecret, cs.kdf)), commitSecret, `leaf ${pp.leafIndex} commit secret of a fresh path`);
      }
    }
  }, 'suite-1');
});

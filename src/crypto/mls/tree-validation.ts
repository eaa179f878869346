// Validating a ratchet tree received when joining (RFC 9420 §12.4.3.1 step "verify the integrity
// of the ratchet tree", with §7.3 leaf validation and §7.9.2 parent hashes), written here because
// ts-mls 1.6's validateRatchetTree gets the unmerged-leaves rule wrong: it demands that every
// non-blank ancestor of an unmerged leaf carry an *identical* unmerged_leaves list, where the RFC
// asks only that every non-blank node between the leaf and the node listing it also list the leaf.
// Ordinary group histories (a removal, a key update and two adds) produce trees it refuses, which
// made a room unjoinable by Welcome and by external commit alike (see the test
// "a tree with unmerged leaves at different depths can be joined"). The working group's
// tree-validation vectors pass this validator (vectors-trees.test.ts).
import type { CiphersuiteImpl, GroupContext, LeafNode, RatchetTree } from 'ts-mls';
import { decodeRequiredCapabilities } from 'ts-mls';
import { extensionsSupportedByCapabilities } from 'ts-mls/extension.js';
import { verifyLeafNodeSignature, verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { verifyParentHashes } from 'ts-mls/parentHash.js';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { constantTimeEqual, toHex } from '../bytes.js';
import type { CredentialGate } from './auth-hook.js';
import { MlsError } from './mls-error.js';


/** The parent of node x (RFC 9420 Appendix C parent_step; MLS trees are full, so one step is the parent), for x below the root. */
function parentOf(x: number, rootIndex: number): number {
  // The level of x is the number of trailing one bits; the parent is one level up, on the side x is on.
  let level = 0;
  while (((x >> level) & 1) === 1) level++;
  const b = (x >> (level + 1)) & 1;
  const p = (x | (1 << level)) ^ (b << (level + 1));
  if (p > rootIndex * 2) throw new MlsError('INTERNAL', 'tree validation: node outside the tree');
  return p;
}

/** The root of a full tree of `nodes` = 2^k - 1 nodes: node 2^(k-1) - 1. */
function rootOf(nodes: number): number {
  return (1 << Math.floor(Math.log2(nodes))) - 1;
}

/**
 * Leaf signatures verified concurrently, at most this many at a time (1,000 Ed25519 verifications
 * here, on a loaded shared box: 482-949 ms one at a time, 466-709 ms in batches of 64).
 */
const SIGNATURE_BATCH = 64;

/** Awaits a batch of leaf signature checks (emptying it); BAD_SIGNATURE names the first leaf that fails. */
async function checkSignatures(batch: [number, Promise<boolean>][]): Promise<void> {
  const pending = batch.splice(0);
  const results = await Promise.allSettled(pending.map(([, p]) => p));
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected') throw r.reason;
    if (!r.value) throw new MlsError('BAD_SIGNATURE', `ratchet tree: the signature of leaf ${pending[i]![0]} does not verify`);
  }
}

function reject(message: string): never {
  throw new MlsError('REJECTED', `ratchet tree: ${message}`);
}

/**
 * Throws (REJECTED, BAD_SIGNATURE, or `refused(...)` when the gate refuses a leaf) unless `tree` is a
 * valid ratchet tree for `context`: structure, tree hash, parent hashes, every leaf (signature,
 * credential, capabilities, extensions) and the unique keys and unmerged leaves of RFC 9420.
 */
export async function validateTree(tree: RatchetTree, context: GroupContext, cs: CiphersuiteImpl, gate: CredentialGate, refused: (message: string) => unknown): Promise<void> {
  const nodes = tree.length;
  if (nodes === 0 || (nodes & (nodes + 1)) !== 0) reject(`${nodes} nodes is not a full tree (2^k+1 - 1)`);
  const rootIndex = rootOf(nodes);

  // Shape first: the hashing below assumes leaves at even and parents at odd positions.
  for (const [i, node] of tree.entries()) {
    if (node !== undefined && (node.nodeType === 'leaf') !== (i % 2 === 0)) reject(`node ${i} is a ${node.nodeType} in a ${i % 2 === 0 ? 'leaf' : 'parent'} position`);
  }
  if (!constantTimeEqual(await treeHashRoot(tree, cs.hash), context.treeHash)) reject('its tree hash does not match the GroupInfo');
  if (!(await verifyParentHashes(tree, cs.hash))) throw new MlsError('REJECTED', 'ratchet tree: parent hashes do not verify (RFC 9420 §7.9.2)');

  const requiredExtension = context.extensions.find((e) => e.extensionType === 'required_capabilities');
  const required = requiredExtension === undefined ? undefined : decodeRequiredCapabilities(requiredExtension.extensionData, 0)?.[0];
  if (requiredExtension !== undefined && required === undefined) reject('required_capabilities does not decode');

  const signatures: [number, Promise<boolean>][] = [];
  const encryptionKeys = new Set<string>();
  const signatureKeys = new Set<string>();
  const credentialTypes = new Set<string>();
  const leaves: LeafNode[] = [];
  for (const [i, node] of tree.entries()) {
    if (node === undefined) continue;
    if (node.nodeType === 'leaf') {
      const leaf = node.leaf;
      const leafIndex = i / 2;
      // Signatures are checked in batches below (WebCrypto runs them on its thread pool in parallel).
      signatures.push([leafIndex, leaf.leafNodeSource === 'key_package'
        ? verifyLeafNodeSignatureKeyPackage(leaf, cs.signature)
        : verifyLeafNodeSignature(leaf, context.groupId, leafIndex, cs.signature)]);
      if (signatures.length >= SIGNATURE_BATCH) await checkSignatures(signatures);
      if (!(await gate(leaf.credential, leaf.signaturePublicKey))) throw refused(`ratchet tree: the credential of leaf ${leafIndex} was refused`);
      if (!extensionsSupportedByCapabilities(leaf.extensions, leaf.capabilities)) reject(`leaf ${leafIndex} carries an extension its capabilities do not list`);
      if (!extensionsSupportedByCapabilities(context.extensions, leaf.capabilities)) reject(`leaf ${leafIndex} does not support the group's extensions`);
      if (required !== undefined) {
        const c = leaf.capabilities;
        const ok = required.credentialTypes.every((t) => c.credentials.includes(t)) && required.extensionTypes.every((t) => c.extensions.includes(t)) && required.proposalTypes.every((t) => c.proposals.includes(t));
        if (!ok) reject(`leaf ${leafIndex} lacks a required capability`);
      }
      if (!leaf.capabilities.ciphersuites.includes(context.cipherSuite)) reject(`leaf ${leafIndex} does not support the group's cipher suite`);
      const sig = toHex(leaf.signaturePublicKey);
      if (signatureKeys.has(sig)) reject(`leaf ${leafIndex} repeats another leaf's signature key`);
      signatureKeys.add(sig);
      const enc = toHex(leaf.hpkePublicKey);
      if (encryptionKeys.has(enc)) reject(`leaf ${leafIndex} repeats another node's encryption key`);
      encryptionKeys.add(enc);
      credentialTypes.add(leaf.credential.credentialType);
      leaves.push(leaf);
    } else {
      const enc = toHex(node.parent.hpkePublicKey);
      if (encryptionKeys.has(enc)) reject(`parent node ${i} repeats another node's encryption key`);
      encryptionKeys.add(enc);
      // Every unmerged leaf is a non-blank descendant, and every non-blank node strictly between
      // it and this node lists it too (RFC 9420 §12.4.3.1).
      for (const leafIndex of node.parent.unmergedLeaves) {
        const leafNodeIndex = 2 * leafIndex;
        if (leafNodeIndex >= nodes || tree[leafNodeIndex]?.nodeType !== 'leaf') reject(`parent node ${i} lists blank or absent leaf ${leafIndex} as unmerged`);
        let x = leafNodeIndex;
        while (x !== i) {
          if (x === rootIndex) reject(`parent node ${i} lists leaf ${leafIndex}, which is not below it, as unmerged`);
          x = parentOf(x, rootIndex);
          if (x === i) break;
          const between = tree[x];
          if (between !== undefined && (between.nodeType !== 'parent' || !between.parent.unmergedLeaves.includes(leafIndex))) {
            reject(`node ${x}, between leaf ${leafIndex} and node ${i}, does not list it as unmerged`);
          }
        }
      }
    }
  }
  await checkSignatures(signatures);
  for (const [n, leaf] of leaves.entries()) {
    for (const type of credentialTypes) {
      if (!leaf.capabilities.credentials.includes(type as LeafNode['credential']['credentialType'])) reject(`a leaf (#${n}) does not support the ${type} credentials other members use`);
    }
  }
}

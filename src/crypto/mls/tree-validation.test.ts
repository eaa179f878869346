// sealcast's ratchet-tree validation refuses what RFC 9420 §12.4.3.1 forbids, each with its reason
// (the working group's trees, all valid, are accepted in vectors/vectors-trees.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { treeHashRoot } from 'ts-mls/treeHash.js';
import { DeviceDirectory, makeDevice } from '../../../test/support/mls-devices.js';
import { unwrap } from './group-state.js';
import { isMlsError, type MlsErrorCode } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';
import { validateTree } from './tree-validation.js';

const accept = async () => true;
const refusedError = (m: string) => new Error(`refused: ${m}`);

async function oneMemberState() {
  const dir = new DeviceDirectory();
  const alice = await makeDevice('alice');
  dir.add(alice);
  return unwrap(await dir.client().createGroup(new Uint8Array([7, 7]), alice));
}

function fails(code: MlsErrorCode, message: RegExp) {
  return (e: unknown) => isMlsError(e, code) && message.test(e.message);
}

test('a valid tree passes; a wrong tree hash, a bad leaf signature, a refused leaf and a broken shape do not', async () => {
  const cs = await oneMemberState();
  const tree = cs.ratchetTree;
  await validateTree(tree, cs.groupContext, suite1, accept, refusedError);
  await assert.rejects(validateTree(tree, { ...cs.groupContext, treeHash: new Uint8Array(32) }, suite1, accept, refusedError), fails('REJECTED', /tree hash does not match/));
  const node = tree[0]!;
  assert.equal(node.nodeType, 'leaf');
  if (node.nodeType !== 'leaf') return;
  const signature = node.leaf.signature.slice();
  signature[5]! ^= 1;
  const forged = [{ nodeType: 'leaf' as const, leaf: { ...node.leaf, signature } }];
  const forgedContext = { ...cs.groupContext, treeHash: await treeHashRoot(forged, suite1.hash) };
  await assert.rejects(validateTree(forged, forgedContext, suite1, accept, refusedError), fails('BAD_SIGNATURE', /signature of leaf 0 does not verify/));
  await assert.rejects(validateTree(tree, cs.groupContext, suite1, async () => false, refusedError), /refused: ratchet tree: the credential of leaf 0 was refused/);
  await assert.rejects(validateTree([node, undefined], cs.groupContext, suite1, accept, refusedError), fails('REJECTED', /2 nodes is not a full tree/));
  const misplaced = [undefined, { nodeType: 'leaf' as const, leaf: node.leaf }, undefined];
  await assert.rejects(validateTree(misplaced, cs.groupContext, suite1, accept, refusedError), fails('REJECTED', /node 1 is a leaf in a parent position/));
});

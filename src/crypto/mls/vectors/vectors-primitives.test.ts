// MLS working-group vectors (mlswg/mls-implementations) for the primitives and schedules under
// every group operation: crypto-basics, key-schedule, secret-tree, psk_secret, transcript-hashes,
// welcome, tree-math and deserialization. Suite 1 runs on sealcast's provider; see
// test/support/mls-suites.ts for the others. Each file must run at least its minimum of cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupContext } from 'ts-mls';
import { decodeMlsMessage } from 'ts-mls';
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js';
import { createSecretTree, deriveKey, deriveNonce, ratchetUntil } from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { computePskSecret } from 'ts-mls/presharedkey.js';
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from 'ts-mls/groupInfo.js';
import { decryptGroupInfo, decryptGroupSecrets } from 'ts-mls/welcome.js';
import { left, nodeWidth, parent, right, root, sibling, toNodeIndex } from 'ts-mls/treemath.js';
import { determineLength } from 'ts-mls/codec/variableLength.js';
import { bytesHex, hexBytes as h, readMlsVectors } from '../../../../test/support/mls-vectors.js';
import { eachCase, type Suited } from '../../../../test/support/mls-suites.js';

const eq = (actual: Uint8Array, hex: string, what: string) => assert.equal(bytesHex(actual), hex, what);

function groupContext(cs: number, groupId: string, epoch: number | bigint, treeHash: string, confirmed: string): GroupContext {
  return {
    version: 'mls10',
    cipherSuite: getCiphersuiteNameFromId(cs as CiphersuiteId),
    groupId: h(groupId),
    epoch: BigInt(epoch),
    treeHash: h(treeHash),
    confirmedTranscriptHash: h(confirmed),
    extensions: [],
  };
}

interface CryptoBasics extends Suited {
  ref_hash: { label: string; value: string; out: string };
  expand_with_label: { secret: string; label: string; context: string; length: number; out: string };
  derive_secret: { secret: string; label: string; out: string };
  derive_tree_secret: { secret: string; label: string; generation: number; length: number; out: string };
  sign_with_label: { priv: string; pub: string; content: string; label: string; signature: string };
  encrypt_with_label: { priv: string; pub: string; label: string; context: string; plaintext: string; kem_output: string; ciphertext: string };
}

test('vectors: crypto-basics', async (t) => {
  await eachCase<CryptoBasics>(t, 'crypto-basics.json', 4, async (v, cs) => {
    eq(await refhash(v.ref_hash.label, h(v.ref_hash.value), cs.hash), v.ref_hash.out, 'RefHash');
    const e = v.expand_with_label;
    eq(await expandWithLabel(h(e.secret), e.label, h(e.context), e.length, cs.kdf), e.out, 'ExpandWithLabel');
    eq(await deriveSecret(h(v.derive_secret.secret), v.derive_secret.label, cs.kdf), v.derive_secret.out, 'DeriveSecret');
    const d = v.derive_tree_secret;
    eq(await deriveTreeSecret(h(d.secret), d.label, d.generation, d.length, cs.kdf), d.out, 'DeriveTreeSecret');
    const s = v.sign_with_label;
    assert.ok(await verifyWithLabel(h(s.pub), s.label, h(s.content), h(s.signature), cs.signature), 'VerifyWithLabel(vector signature)');
    const mine = await signWithLabel(h(s.priv), s.label, h(s.content), cs.signature);
    assert.ok(await verifyWithLabel(h(s.pub), s.label, h(s.content), mine, cs.signature), 'VerifyWithLabel(own signature)');
    const flipped = h(s.signature);
    flipped[0]! ^= 1;
    assert.equal(await verifyWithLabel(h(s.pub), s.label, h(s.content), flipped, cs.signature), false, 'a flipped signature must fail');
    const x = v.encrypt_with_label;
    const priv = await cs.hpke.importPrivateKey(h(x.priv));
    eq(await decryptWithLabel(priv, x.label, h(x.context), h(x.kem_output), h(x.ciphertext), cs.hpke), x.plaintext, 'DecryptWithLabel');
    const sealed = await encryptWithLabel(await cs.hpke.importPublicKey(h(x.pub)), x.label, h(x.context), h(x.plaintext), cs.hpke);
    eq(await decryptWithLabel(priv, x.label, h(x.context), sealed.enc, sealed.ct, cs.hpke), x.plaintext, 'EncryptWithLabel round trip');
  });
});

interface KeyScheduleCase extends Suited {
  group_id: string;
  initial_init_secret: string;
  epochs: {
    tree_hash: string; commit_secret: string; psk_secret: string; confirmed_transcript_hash: string; group_context: string;
    joiner_secret: string; welcome_secret: string; init_secret: string; sender_data_secret: string; encryption_secret: string;
    exporter_secret: string; epoch_authenticator: string; external_secret: string; confirmation_key: string; membership_key: string;
    resumption_psk: string; external_pub: string; exporter: { label: string; context: string; length: number; secret: string };
  }[];
}

test('vectors: key-schedule', async (t) => {
  await eachCase<KeyScheduleCase>(t, 'key-schedule.json', 4, async (v, cs) => {
    let init = h(v.initial_init_secret);
    for (const [n, e] of v.epochs.entries()) {
      const gc = groupContext(v.cipher_suite, v.group_id, n, e.tree_hash, e.confirmed_transcript_hash);
      eq(encodeGroupContext(gc), e.group_context, `epoch ${n} GroupContext`);
      const out = await initializeEpoch(init, h(e.commit_secret), gc, h(e.psk_secret), cs.kdf);
      eq(out.joinerSecret, e.joiner_secret, 'joiner_secret');
      eq(out.welcomeSecret, e.welcome_secret, 'welcome_secret');
      eq(out.encryptionSecret, e.encryption_secret, 'encryption_secret');
      const k = out.keySchedule;
      eq(k.initSecret, e.init_secret, 'init_secret');
      eq(k.senderDataSecret, e.sender_data_secret, 'sender_data_secret');
      eq(k.exporterSecret, e.exporter_secret, 'exporter_secret');
      eq(k.epochAuthenticator, e.epoch_authenticator, 'epoch_authenticator');
      eq(k.externalSecret, e.external_secret, 'external_secret');
      eq(k.confirmationKey, e.confirmation_key, 'confirmation_key');
      eq(k.membershipKey, e.membership_key, 'membership_key');
      eq(k.resumptionPsk, e.resumption_psk, 'resumption_psk');
      const pair = await cs.hpke.deriveKeyPair(k.externalSecret);
      eq(await cs.hpke.exportPublicKey(pair.publicKey), e.external_pub, 'external_pub = DeriveKeyPair(external_secret)');
      eq(await mlsExporter(k.exporterSecret, e.exporter.label, h(e.exporter.context), e.exporter.length, cs), e.exporter.secret, 'MLS-Exporter');
      init = k.initSecret;
    }
  });
});

interface SecretTreeCase extends Suited {
  encryption_secret: string;
  sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string };
  leaves: { generation: number; handshake_key: string; handshake_nonce: string; application_key: string; application_nonce: string }[][];
}

test('vectors: secret-tree', async (t) => {
  const retention = { retainKeysForEpochs: 4, retainKeysForGenerations: 10, maximumForwardRatchetSteps: 1 << 20 };
  await eachCase<SecretTreeCase>(t, 'secret-tree.json', 12, async (v, cs) => {
    const sd = v.sender_data;
    eq(await expandSenderDataKey(cs, h(sd.sender_data_secret), h(sd.ciphertext)), sd.key, 'sender data key');
    eq(await expandSenderDataNonce(cs, h(sd.sender_data_secret), h(sd.ciphertext)), sd.nonce, 'sender data nonce');
    const tree = await createSecretTree(v.leaves.length, h(v.encryption_secret), cs.kdf);
    for (const [leaf, generations] of v.leaves.entries()) {
      const node = tree[2 * leaf]!;
      for (const g of generations) {
        for (const [kind, key, nonce] of [['handshake', g.handshake_key, g.handshake_nonce], ['application', g.application_key, g.application_nonce]] as const) {
          const [at] = await ratchetUntil(node[kind], g.generation, retention, cs.kdf);
          assert.equal(at.generation, g.generation);
          eq(await deriveKey(at.secret, at.generation, cs), key, `leaf ${leaf} ${kind} key @${g.generation}`);
          eq(await deriveNonce(at.secret, at.generation, cs), nonce, `leaf ${leaf} ${kind} nonce @${g.generation}`);
        }
      }
    }
  });
});

interface PskCase extends Suited {
  psks: { psk_id: string; psk: string; psk_nonce: string }[];
  psk_secret: string;
}

test('vectors: psk_secret', async (t) => {
  await eachCase<PskCase>(t, 'psk_secret.json', 44, async (v, cs) => {
    const psks = v.psks.map((p) => [{ psktype: 'external' as const, pskId: h(p.psk_id), pskNonce: h(p.psk_nonce) }, h(p.psk)] as [Parameters<typeof computePskSecret>[0][number][0], Uint8Array]);
    eq(await computePskSecret(psks, cs), v.psk_secret, 'psk_secret');
  });
});

interface TranscriptCase extends Suited {
  confirmation_key: string;
  authenticated_content: string;
  interim_transcript_hash_before: string;
  confirmed_transcript_hash_after: string;
  interim_transcript_hash_after: string;
}

test('vectors: transcript-hashes', async (t) => {
  await eachCase<TranscriptCase>(t, 'transcript-hashes.json', 4, async (v, cs) => {
    const decoded = decodeAuthenticatedContent(h(v.authenticated_content), 0);
    assert.ok(decoded !== undefined, 'AuthenticatedContent decodes');
    const [ac] = decoded;
    assert.ok(ac.content.contentType === 'commit' && ac.auth.contentType === 'commit', 'a commit');
    assert.ok(await cs.hash.verifyMac(h(v.confirmation_key), ac.auth.confirmationTag, h(v.confirmed_transcript_hash_after)), 'confirmation tag');
    const confirmed = await createConfirmedHash(h(v.interim_transcript_hash_before), { wireformat: ac.wireformat, content: ac.content, signature: ac.auth.signature }, cs.hash);
    eq(confirmed, v.confirmed_transcript_hash_after, 'confirmed transcript hash');
    eq(await createInterimHash(confirmed, ac.auth.confirmationTag, cs.hash), v.interim_transcript_hash_after, 'interim transcript hash');
  });
});

interface WelcomeCase extends Suited {
  init_priv: string;
  key_package: string;
  signer_pub: string;
  welcome: string;
}

test('vectors: welcome', async (t) => {
  await eachCase<WelcomeCase>(t, 'welcome.json', 4, async (v, cs) => {
    const w = decodeMlsMessage(h(v.welcome), 0)?.[0];
    const kp = decodeMlsMessage(h(v.key_package), 0)?.[0];
    assert.ok(w?.wireformat === 'mls_welcome' && kp?.wireformat === 'mls_key_package');
    const ref = await makeKeyPackageRef(kp.keyPackage, cs.hash);
    const secrets = await decryptGroupSecrets(await cs.hpke.importPrivateKey(h(v.init_priv)), ref, w.welcome, cs.hpke);
    assert.ok(secrets !== undefined, 'group secrets decrypt');
    const psk = new Uint8Array(cs.kdf.size);
    const gi = await decryptGroupInfo(w.welcome, secrets.joinerSecret, psk, cs);
    assert.ok(gi !== undefined, 'GroupInfo decrypts');
    assert.ok(await verifyGroupInfoConfirmationTag(gi, secrets.joinerSecret, psk, cs), 'confirmation tag');
    assert.ok(await verifyGroupInfoSignature(gi, h(v.signer_pub), cs.signature), 'GroupInfo signature');
  });
});

interface TreeMathCase {
  n_leaves: number;
  n_nodes: number;
  root: number;
  left: (number | null)[];
  right: (number | null)[];
  parent: (number | null)[];
  sibling: (number | null)[];
}

test('vectors: tree-math', (t) => {
  const cases = readMlsVectors<TreeMathCase>('tree-math.json');
  let nodes = 0;
  for (const v of cases) {
    assert.equal(nodeWidth(v.n_leaves), v.n_nodes);
    assert.equal(root(v.n_leaves), v.root);
    // The vectors write "no such node" (a leaf's children, the root's parent and sibling) as null.
    for (let i = 0; i < v.n_nodes; i++, nodes++) {
      const x = toNodeIndex(i);
      assert.equal(i % 2 === 0 ? null : left(x), v.left[i], `left(${i})`);
      assert.equal(i % 2 === 0 ? null : right(x), v.right[i], `right(${i})`);
      assert.equal(i === v.root ? null : parent(x, v.n_leaves), v.parent[i], `parent(${i})`);
      assert.equal(i === v.root ? null : sibling(x, v.n_leaves), v.sibling[i], `sibling(${i})`);
    }
  }
  t.diagnostic(`tree-math.json: ${cases.length} trees, ${nodes} nodes checked`);
  assert.ok(cases.length >= 10);
});

test('vectors: deserialization (variable-length headers)', (t) => {
  const cases = readMlsVectors<{ vlbytes_header: string; length: number }>('deserialization.json');
  for (const v of cases) {
    const { length, lengthFieldSize } = determineLength(h(v.vlbytes_header), 0);
    assert.equal(length, v.length);
    assert.equal(lengthFieldSize, v.vlbytes_header.length / 2);
  }
  t.diagnostic(`deserialization.json: ${cases.length} cases run`);
  assert.ok(cases.length >= 14);
});

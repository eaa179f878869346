// MLS working-group vectors for messages on the wire: messages.json (every structure decodes
// and re-encodes to the same bytes), message-protection.json (PublicMessage and PrivateMessage
// protection with the vectors' keys, and our own protect/unprotect round trip), and the
// delivery service's clear-framing reader (src/protocol/mls-framing.ts) over every MLSMessage
// in the vectors, checked field by field against ts-mls's full decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GroupContext, MLSMessage } from 'ts-mls';
import { ciphersuites, decodeMlsMessage, encodeMlsMessage } from 'ts-mls';
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { decodeGroupSecrets, encodeGroupSecrets } from 'ts-mls/groupSecrets.js';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import {
  decodeAdd, decodeExternalInit, decodeGroupContextExtensions, decodePSK, decodeProposal, decodeReinit, decodeRemove, decodeUpdate,
  encodeAdd, encodeExternalInit, encodeGroupContextExtensions, encodePSK, encodeProposal, encodeReinit, encodeRemove, encodeUpdate,
} from 'ts-mls/proposal.js';
import { protectApplicationData, unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { unprotectPublicMessage } from 'ts-mls/messageProtectionPublic.js';
import { createSecretTree } from 'ts-mls/secretTree.js';
import { readMlsFraming, type MlsFraming } from '../../../protocol/mls-framing.js';
import { isProtocolError } from '../../../protocol/protocol-error.js';
import { KEY_RETENTION, PADDING } from '../auth-hook.js';
import { bytesHex, hexBytes as h, readMlsVectors } from '../../../../test/support/mls-vectors.js';
import { eachCase, type Suited } from '../../../../test/support/mls-suites.js';

type Codec<T> = [(b: Uint8Array, o: number) => [T, number] | undefined, (v: T) => Uint8Array];

/** Decodes with the library, checks every byte was consumed, re-encodes, and demands the same bytes. */
function roundTrip<T>(hex: string, [decode, encode]: Codec<T>, what: string): T {
  const bytes = h(hex);
  const decoded = decode(bytes, 0);
  assert.ok(decoded !== undefined, `${what} decodes`);
  assert.equal(decoded[1], bytes.byteLength, `${what}: every byte consumed`);
  assert.equal(bytesHex(encode(decoded[0])), hex, `${what} re-encodes to the same bytes`);
  return decoded[0];
}

const SUITE_IDS = ciphersuites as Record<string, number>;

/** What the framing reader must report for an MLSMessage, from the library's full decoding. */
function expectedFraming(m: MLSMessage): MlsFraming {
  switch (m.wireformat) {
    case 'mls_public_message':
      return { wireFormat: 'public_message', groupId: m.publicMessage.content.groupId, epoch: Number(m.publicMessage.content.epoch), senderType: m.publicMessage.content.sender.senderType, contentType: m.publicMessage.content.contentType };
    case 'mls_private_message':
      return { wireFormat: 'private_message', groupId: m.privateMessage.groupId, epoch: Number(m.privateMessage.epoch), contentType: m.privateMessage.contentType };
    case 'mls_welcome':
      return { wireFormat: 'welcome', cipherSuite: SUITE_IDS[m.welcome.cipherSuite]! };
    case 'mls_group_info':
      return { wireFormat: 'group_info', cipherSuite: SUITE_IDS[m.groupInfo.groupContext.cipherSuite]!, groupId: m.groupInfo.groupContext.groupId, epoch: Number(m.groupInfo.groupContext.epoch) };
    case 'mls_key_package':
      return { wireFormat: 'key_package', cipherSuite: SUITE_IDS[m.keyPackage.cipherSuite]! };
  }
}

const framingTally = { messages: 0, refusedPublicApplication: 0 };

/** The framing reader agrees with the library on one vector MLSMessage (or refuses exactly what RFC 9420 forbids). */
function checkFraming(hex: string, what: string): void {
  const bytes = h(hex);
  const m = decodeMlsMessage(bytes, 0)?.[0];
  assert.ok(m !== undefined, `${what} decodes`);
  const expected = expectedFraming(m);
  if (expected.wireFormat === 'public_message' && expected.contentType === 'application') {
    // messages.json carries a PublicMessage with application data to test codecs; RFC 9420 §6.2 forbids sending one.
    assert.throws(() => readMlsFraming(bytes), (e: unknown) => isProtocolError(e, 'BAD_FRAME') && /cannot carry application data/.test(e.message));
    framingTally.refusedPublicApplication++;
    return;
  }
  assert.deepEqual(readMlsFraming(bytes), expected, `${what}: framing`);
  framingTally.messages++;
}

interface MessagesCase {
  mls_welcome: string; mls_group_info: string; mls_key_package: string; ratchet_tree: string; group_secrets: string;
  add_proposal: string; update_proposal: string; remove_proposal: string; pre_shared_key_proposal: string; re_init_proposal: string;
  external_init_proposal: string; group_context_extensions_proposal: string; commit: string;
  public_message_application: string; public_message_proposal: string; public_message_commit: string; private_message: string;
}

test('vectors: messages (decode and re-encode every structure; framing of every MLSMessage)', (t) => {
  const cases = readMlsVectors<MessagesCase>('messages.json');
  const message: Codec<MLSMessage> = [decodeMlsMessage, encodeMlsMessage];
  let structures = 0;
  for (const [i, v] of cases.entries()) {
    const mlsMessages = ['mls_welcome', 'mls_group_info', 'mls_key_package', 'public_message_application', 'public_message_proposal', 'public_message_commit', 'private_message'] as const;
    for (const k of mlsMessages) {
      roundTrip(v[k], message, `#${i} ${k}`);
      checkFraming(v[k], `#${i} ${k}`);
    }
    roundTrip(v.ratchet_tree, [decodeRatchetTree, encodeRatchetTree], `#${i} ratchet_tree`);
    roundTrip(v.group_secrets, [decodeGroupSecrets, encodeGroupSecrets], `#${i} group_secrets`);
    roundTrip(v.add_proposal, [decodeAdd, encodeAdd], `#${i} add`);
    roundTrip(v.update_proposal, [decodeUpdate, encodeUpdate], `#${i} update`);
    roundTrip(v.remove_proposal, [decodeRemove, encodeRemove], `#${i} remove`);
    roundTrip(v.pre_shared_key_proposal, [decodePSK, encodePSK], `#${i} psk`);
    roundTrip(v.re_init_proposal, [decodeReinit, encodeReinit], `#${i} reinit`);
    roundTrip(v.external_init_proposal, [decodeExternalInit, encodeExternalInit], `#${i} external_init`);
    roundTrip(v.group_context_extensions_proposal, [decodeGroupContextExtensions, encodeGroupContextExtensions], `#${i} group_context_extensions`);
    roundTrip(v.commit, [decodeCommit, encodeCommit], `#${i} commit`);
    structures += 17;
  }
  t.diagnostic(`messages.json: ${cases.length} cases, ${structures} structures round-tripped`);
  assert.ok(cases.length >= 300);
});

interface ProtectionCase extends Suited {
  group_id: string; epoch: number; tree_hash: string; confirmed_transcript_hash: string;
  signature_priv: string; signature_pub: string; encryption_secret: string; sender_data_secret: string; membership_key: string;
  proposal: string; proposal_priv: string; proposal_pub: string; commit: string; commit_priv: string; commit_pub: string;
  application: string; application_priv: string;
}

test('vectors: message-protection', async (t) => {
  await eachCase<ProtectionCase>(t, 'message-protection.json', 4, async (v, cs) => {
    const gc: GroupContext = {
      version: 'mls10', cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId), groupId: h(v.group_id), epoch: BigInt(v.epoch),
      treeHash: h(v.tree_hash), confirmedTranscriptHash: h(v.confirmed_transcript_hash), extensions: [],
    };
    for (const k of ['proposal_pub', 'commit_pub', 'proposal_priv', 'commit_priv', 'application_priv'] as const) checkFraming(v[k], `message-protection ${k}`);
    // PublicMessage: membership tag and signature, then the content is the vector's.
    for (const [k, content] of [['proposal_pub', v.proposal], ['commit_pub', v.commit]] as const) {
      const m = decodeMlsMessage(h(v[k]), 0)?.[0];
      assert.ok(m?.wireformat === 'mls_public_message');
      const opened = await unprotectPublicMessage(h(v.membership_key), gc, [], m.publicMessage, cs, h(v.signature_pub));
      const got = opened.content.contentType === 'proposal' ? encodeProposal(opened.content.proposal) : opened.content.contentType === 'commit' ? encodeCommit(opened.content.commit) : new Uint8Array(0);
      assert.equal(bytesHex(got), content, `${k} content`);
    }
    // PrivateMessage from leaf 1 of a two-leaf secret tree.
    for (const [k, content] of [['proposal_priv', v.proposal], ['commit_priv', v.commit], ['application_priv', v.application]] as const) {
      const m = decodeMlsMessage(h(v[k]), 0)?.[0];
      assert.ok(m?.wireformat === 'mls_private_message');
      const tree = await createSecretTree(2, h(v.encryption_secret), cs.kdf);
      const opened = await unprotectPrivateMessage(h(v.sender_data_secret), m.privateMessage, tree, [], gc, KEY_RETENTION, cs, h(v.signature_pub));
      const c = opened.content.content;
      const got = c.contentType === 'proposal' ? encodeProposal(c.proposal) : c.contentType === 'commit' ? encodeCommit(c.commit) : c.applicationData;
      assert.equal(bytesHex(got), content, `${k} content`);
    }
    // Our provider's protection opens with the same keys (protect, then unprotect).
    const tree = await createSecretTree(2, h(v.encryption_secret), cs.kdf);
    const sealed = await protectApplicationData(h(v.signature_priv), h(v.sender_data_secret), h(v.application), new Uint8Array(0), gc, tree, 1, PADDING, cs);
    const reopened = await unprotectPrivateMessage(h(v.sender_data_secret), sealed.privateMessage, tree, [], gc, KEY_RETENTION, cs, h(v.signature_pub));
    assert.ok(reopened.content.content.contentType === 'application' && bytesHex(reopened.content.content.applicationData) === v.application, 'protect/unprotect round trip');
  });
});

interface PassiveMessages extends Suited {
  key_package: string;
  welcome: string;
  epochs: { proposals: string[]; commit: string }[];
}

test('vectors: the framing reader over every message of the passive-client and welcome files', (t) => {
  let n = 0;
  for (const file of ['passive-client-welcome.json', 'passive-client-handling-commit.json', 'passive-client-random.json'] as const) {
    for (const v of readMlsVectors<PassiveMessages>(file)) {
      for (const hex of [v.key_package, v.welcome, ...v.epochs.flatMap((e) => [...e.proposals, e.commit])]) {
        checkFraming(hex, file);
        n++;
      }
    }
  }
  for (const v of readMlsVectors<{ welcome: string; key_package: string }>('welcome.json')) {
    checkFraming(v.welcome, 'welcome.json');
    checkFraming(v.key_package, 'welcome.json');
    n += 2;
  }
  t.diagnostic(`framing reader: ${framingTally.messages} vector messages read, ${framingTally.refusedPublicApplication} PublicMessages with application data refused`);
  assert.ok(n > 2000, `only ${n} messages`);
});

test('vectors: every structure kind of messages.json carries its proposal type inside a Proposal too', () => {
  // A positive control for the round trips above: a Proposal wrapper of each decodes to the matching type.
  const v = readMlsVectors<MessagesCase>('messages.json')[0]!;
  const wrap = (type: number, inner: string) => bytesHex(Uint8Array.of(type >> 8, type & 0xff)) + inner;
  const types: [number, string, string][] = [[1, v.add_proposal, 'add'], [2, v.update_proposal, 'update'], [3, v.remove_proposal, 'remove'], [4, v.pre_shared_key_proposal, 'psk'], [5, v.re_init_proposal, 'reinit'], [6, v.external_init_proposal, 'external_init'], [7, v.group_context_extensions_proposal, 'group_context_extensions']];
  for (const [type, inner, name] of types) {
    const p = decodeProposal(h(wrap(type, inner)), 0)?.[0];
    assert.equal(p?.proposalType, name);
  }
});

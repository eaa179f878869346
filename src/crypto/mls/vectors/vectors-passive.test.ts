// MLS working-group passive-client vectors: join from a Welcome, then process every epoch's
// proposals and commit, matching each epoch authenticator. Two joiners per case: ts-mls's public
// joinGroup, and sealcast's own join (src/crypto/mls/join-welcome.ts, with its RFC tree
// validation); both then process the epochs through ts-mls's public processing functions.
// Suite 1 (sealcast's provider) only: see SLOW_SUITES_REASON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CiphersuiteImpl, ClientState, KeyPackage, PrivateKeyPackage, RatchetTree } from 'ts-mls';
import { decodeMlsMessage, joinGroup, makePskIndex, processPrivateMessage, processPublicMessage } from 'ts-mls';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { encryptWithLabel, decryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import { decryptGroupSecrets } from 'ts-mls/welcome.js';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { AuthRecord } from '../auth-hook.js';
import { stateFromWelcome } from '../join-welcome.js';
import { bytesHex, hexBytes as h } from '../../../../test/support/mls-vectors.js';
import { eachCase, type Suited } from '../../../../test/support/mls-suites.js';

interface PassiveCase extends Suited {
  external_psks: { psk_id: string; psk: string }[];
  key_package: string;
  signature_priv: string;
  encryption_priv: string;
  init_priv: string;
  welcome: string;
  ratchet_tree: string | null;
  initial_epoch_authenticator: string;
  epochs: { proposals: string[]; commit: string; epoch_authenticator: string }[];
}

const toBase64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const tally = { ourJoins: 0, ourJoinsSkippedPsk: 0, epochs: 0, proposals: 0 };

async function opens(pub: Uint8Array, priv: Uint8Array, cs: CiphersuiteImpl): Promise<boolean> {
  const probe = crypto.getRandomValues(new Uint8Array(16));
  const sealed = await encryptWithLabel(await cs.hpke.importPublicKey(pub), 'probe', new Uint8Array(0), probe, cs.hpke);
  return bytesHex(await decryptWithLabel(await cs.hpke.importPrivateKey(priv), 'probe', new Uint8Array(0), sealed.enc, sealed.ct, cs.hpke)) === bytesHex(probe);
}

async function processOne(state: ClientState, hex: string, psks: Record<string, Uint8Array>, cs: CiphersuiteImpl): Promise<ClientState> {
  const m = decodeMlsMessage(h(hex), 0)?.[0];
  if (m?.wireformat === 'mls_private_message') return (await processPrivateMessage(state, m.privateMessage, makePskIndex(state, psks), cs)).newState;
  if (m?.wireformat === 'mls_public_message') return (await processPublicMessage(state, m.publicMessage, makePskIndex(state, psks), cs)).newState;
  throw new Error('a handshake message that is neither a PrivateMessage nor a PublicMessage');
}

/** `joiners`: both joiners, or (for the 200-epoch random case, to keep the test short) sealcast's alone. */
async function passive(v: PassiveCase, cs: CiphersuiteImpl, joiners: 'both' | 'sealcast' = 'both'): Promise<void> {
  const kp = decodeMlsMessage(h(v.key_package), 0)?.[0];
  const w = decodeMlsMessage(h(v.welcome), 0)?.[0];
  assert.ok(kp?.wireformat === 'mls_key_package' && w?.wireformat === 'mls_welcome');
  const keyPackage: KeyPackage = kp.keyPackage;
  // The private keys are the key package's.
  assert.ok(await opens(keyPackage.initKey, h(v.init_priv), cs), 'init key');
  assert.ok(await opens(keyPackage.leafNode.hpkePublicKey, h(v.encryption_priv), cs), 'encryption key');
  const sig = await signWithLabel(h(v.signature_priv), 'probe', new Uint8Array(1), cs.signature);
  assert.ok(await verifyWithLabel(keyPackage.leafNode.signaturePublicKey, 'probe', new Uint8Array(1), sig, cs.signature), 'signature key');
  const priv: PrivateKeyPackage = { initPrivateKey: h(v.init_priv), hpkePrivateKey: h(v.encryption_priv), signaturePrivateKey: h(v.signature_priv) };
  const tree: RatchetTree | undefined = v.ratchet_tree === null ? undefined : decodeRatchetTree(h(v.ratchet_tree), 0)?.[0];
  const psks: Record<string, Uint8Array> = Object.fromEntries(v.external_psks.map((p) => [toBase64(h(p.psk_id)), h(p.psk)]));

  const states: { who: string; state: ClientState }[] = [];
  if (joiners === 'both') states.push({ who: 'ts-mls joinGroup', state: await joinGroup(w.welcome, keyPackage, priv, makePskIndex(undefined, psks), cs, tree) });
  const ref = await makeKeyPackageRef(keyPackage, cs.hash);
  const secrets = await decryptGroupSecrets(await cs.hpke.importPrivateKey(priv.initPrivateKey), ref, w.welcome, cs.hpke);
  if (secrets !== undefined && secrets.psks.length === 0) {
    // The vectors' credentials are not sealcast's, so this gate accepts them all (the adapter's own gate parses them).
    const record = new AuthRecord();
    const acceptAll = async () => true;
    states.push({ who: 'sealcast join', state: await stateFromWelcome(w.welcome, keyPackage, priv, acceptAll, record, defaultClientConfig, tree) });
    tally.ourJoins++;
  } else {
    assert.equal(joiners, 'both', 'a case joined by sealcast alone must not need PSKs');
    tally.ourJoinsSkippedPsk++; // sealcast refuses Welcomes that need PSKs (it uses none)
  }
  for (const s of states) assert.equal(bytesHex(s.state.keySchedule.epochAuthenticator), v.initial_epoch_authenticator, `${s.who}: initial epoch authenticator`);
  for (const [n, epoch] of v.epochs.entries()) {
    for (const s of states) {
      for (const p of epoch.proposals) s.state = await processOne(s.state, p, psks, cs);
      s.state = await processOne(s.state, epoch.commit, psks, cs);
      assert.equal(bytesHex(s.state.keySchedule.epochAuthenticator), epoch.epoch_authenticator, `${s.who}: epoch ${n + 1} authenticator`);
    }
    tally.epochs++;
    tally.proposals += epoch.proposals.length;
  }
}

test('vectors: passive-client-welcome', async (t) => {
  await eachCase<PassiveCase>(t, 'passive-client-welcome.json', 8, (v, cs) => passive(v, cs), 'suite-1');
});

test('vectors: passive-client-handling-commit', async (t) => {
  await eachCase<PassiveCase>(t, 'passive-client-handling-commit.json', 13, (v, cs) => passive(v, cs), 'suite-1');
});

test('vectors: passive-client-random', async (t) => {
  await eachCase<PassiveCase>(t, 'passive-client-random.json', 1, (v, cs) => passive(v, cs, 'sealcast'), 'suite-1');
});

test('passive-client totals: sealcast joined where it can', (t) => {
  t.diagnostic(`sealcast join ran ${tally.ourJoins} times (${tally.ourJoinsSkippedPsk} Welcomes needed PSKs); ${tally.epochs} epochs, ${tally.proposals} proposals processed`);
  assert.ok(tally.ourJoins >= 5, 'sealcast join must have run on every PSK-free Welcome (5 of the 22 suite-1 cases)');
});

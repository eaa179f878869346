// `npm run bench -- mls`: what MLS costs a device through sealcast's adapter (src/crypto/mls):
// a commit that adds one member and the new member's join, in groups of 10, 100 and 1,000; and
// application messages sealed and opened per second, beside the raw primitives one message needs
// (AES-128-GCM + Ed25519 through WebCrypto). Commits and joins are also run through ts-mls with its
// default crypto provider on the very same group state: the "before" of the adapter's provider.
import { createApplicationMessage, createCommit, createGroupInfoWithExternalPubAndRatchetTree, defaultCryptoProvider, emptyPskIndex, getCiphersuiteImpl, getCiphersuiteFromName, joinGroup, makePskIndex, processPrivateMessage, type CiphersuiteImpl, type ClientState, type PrivateMessage } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { MlsClient, SUITE_1, type MlsDevice, type MlsGroupState } from '../../src/crypto/mls/index.js';
import { unwrap } from '../../src/crypto/mls/group-state.js';
import { decodeKeyPackagePrivate } from '../../src/crypto/mls/key-package-private.js';
import { inspectKeyPackage } from '../../src/crypto/mls/key-packages.js';
import { generateSigningKey } from '../../src/crypto/mls/signing-key.js';
import { setting, type Benchmark, type BenchContext } from '../lib/bench.js';
import type { SummaryRow } from '../lib/result.js';
import { median, ratio, round } from '../lib/stats.js';

const PLAINTEXT_BYTES = 1024;

async function device(name: string): Promise<MlsDevice> {
  return { name, deviceId: crypto.getRandomValues(new Uint8Array(16)), signingKey: await generateSigningKey() };
}

/** Milliseconds one call takes. */
async function timed<T>(op: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const out = await op();
  return [out, performance.now() - start];
}

/**
 * CPU time (this process, all threads: WebCrypto runs on libuv's pool) spent per operation, in µs,
 * by the measurements since the last call: steadier than wall time on a shared, loaded machine.
 */
const cpu = { last: process.cpuUsage(), ops: 0 };
function cpuSince(ops: number): number {
  const used = process.cpuUsage(cpu.last);
  cpu.last = process.cpuUsage();
  return round((used.user + used.system) / Math.max(ops, 1), 0);
}

/** Operations per second of `op`, one at a time, for `ms`; its CPU µs per operation goes to `cpuOut`. */
async function rate(op: () => Promise<unknown>, ms: number, cpuOut?: number[]): Promise<number> {
  let n = 0;
  cpuSince(0);
  const start = performance.now();
  while (performance.now() - start < ms) {
    await op();
    n++;
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  const perOp = cpuSince(n);
  cpuOut?.push(perOp);
  return perSecond;
}

interface Built {
  mls: MlsClient;
  alice: MlsGroupState;
  bob: MlsGroupState;
  buildMs: number;
  welcomeBytes: number;
}

/** A group of `n` members made by one commit from alice (every other member's key package in it), and bob's state. */
async function build(n: number): Promise<Built> {
  const mls = new MlsClient({ authenticate: () => true }); // the bench measures MLS, not a device list
  const started = performance.now();
  const alice = await mls.createGroup(crypto.getRandomValues(new Uint8Array(16)), await device('alice'));
  const members = await Promise.all(Array.from({ length: n - 1 }, (_, i) => device(`m${i}`)));
  const kps = [];
  for (const m of members) kps.push((await mls.generateKeyPackages(m, 1))[0]!);
  const added = await mls.addMembers(alice, kps.map((k) => k.publicBytes));
  const bob = await mls.joinFromWelcome(added.welcome, kps[0]!.privateBytes);
  return { mls, alice: added.state, bob, buildMs: performance.now() - started, welcomeBytes: added.welcome.byteLength };
}

/** The same operations straight through ts-mls with its default provider, on the same states. */
async function libraryAdd(cs: ClientState, impl: CiphersuiteImpl, keyPackage: Uint8Array) {
  const { keyPackage: kp } = await inspectKeyPackage(keyPackage);
  const state = { ...cs, clientConfig: defaultClientConfig };
  const result = await createCommit({ state, cipherSuite: impl }, { extraProposals: [{ proposalType: 'add', add: { keyPackage: kp } }], ratchetTreeExtension: true });
  await createGroupInfoWithExternalPubAndRatchetTree(result.newState, [], impl);
  return result;
}

async function run(ctx: BenchContext) {
  const maxMembers = setting('MLS_MAX_MEMBERS', 1000, 20, ctx);
  const rounds = setting('ROUNDS', 3, 1, ctx);
  const ms = setting('MLS_MS', 2000, 150, ctx);
  const sizes = [...new Set([10, 100, 1000].filter((s) => s <= maxMembers).concat(maxMembers))].sort((a, b) => a - b);
  const defaultImpl = await getCiphersuiteImpl(getCiphersuiteFromName(SUITE_1), defaultCryptoProvider);
  const summary: SummaryRow[] = [];
  const details: Record<string, unknown> = {};

  for (const n of sizes) {
    const g = await build(n);
    ctx.log(`${n} members: group built in ${round(g.buildMs, 0)} ms (Welcome of ${g.welcomeBytes} bytes)`);
    const commitMs: number[] = [];
    const joinMs: number[] = [];
    const processMs: number[] = [];
    const libCommitMs: number[] = [];
    const libJoinMs: number[] = [];
    let sizes = { commit: 0, welcome: 0, groupInfo: 0 };
    for (let r = 0; r < rounds; r++) {
      const joiner = await device(`joiner${r}`);
      const [kp] = await g.mls.generateKeyPackages(joiner, 1);
      const [added, tCommit] = await timed(() => g.mls.addMembers(g.alice, [kp!.publicBytes]));
      const [, tJoin] = await timed(() => g.mls.joinFromWelcome(added.welcome, kp!.privateBytes));
      const [, tProcess] = await timed(() => g.mls.process(g.bob, added.commit));
      commitMs.push(tCommit);
      joinMs.push(tJoin);
      processMs.push(tProcess);
      sizes = { commit: added.commit.byteLength, welcome: added.welcome.byteLength, groupInfo: added.groupInfo.byteLength };
      // The same commit and join through ts-mls with its default provider (the library's own join).
      const [libAdded, tLibCommit] = await timed(() => libraryAdd(unwrap(g.alice), defaultImpl, kp!.publicBytes));
      const { keyPackage, privatePackage } = decodeKeyPackagePrivate(kp!.privateBytes);
      const [, tLibJoin] = await timed(() => joinGroup(libAdded.welcome!, keyPackage, privatePackage, emptyPskIndex, defaultImpl, undefined, undefined, defaultClientConfig));
      libCommitMs.push(tLibCommit);
      libJoinMs.push(tLibJoin);
    }
    const c = median(commitMs);
    const j = median(joinMs);
    ctx.log(`${n} members: commit (add 1) ${round(c, 1)} ms, join ${round(j, 1)} ms, process by a member ${round(median(processMs), 1)} ms; ts-mls default provider: ${round(median(libCommitMs), 1)} / ${round(median(libJoinMs), 1)} ms`);
    summary.push({ metric: `commit adding 1 member, group of ${n}`, unit: 'ms', sealcast: round(c, 1), baseline: round(median(libCommitMs), 1), baselineName: 'ts-mls default provider', ratio: ratio(c, median(libCommitMs)), higherIsBetter: false });
    summary.push({ metric: `join by Welcome, group of ${n}`, unit: 'ms', sealcast: round(j, 1), baseline: round(median(libJoinMs), 1), baselineName: 'ts-mls default provider', ratio: ratio(j, median(libJoinMs)), higherIsBetter: false });
    details[`members/${n}`] = {
      commitMsPerRound: commitMs.map((v) => round(v, 1)),
      joinMsPerRound: joinMs.map((v) => round(v, 1)),
      processAddCommitMs: round(median(processMs), 1),
      tsMlsDefaultProvider: { commitMs: libCommitMs.map((v) => round(v, 1)), joinMs: libJoinMs.map((v) => round(v, 1)) },
      bytes: sizes,
      buildGroupMs: round(g.buildMs, 0),
      bulkWelcomeBytes: g.welcomeBytes,
    };
  }

  // Messages: alice seals, bob opens (a group of 2), against the raw primitives of one message.
  const pair = await build(2);
  const pt = crypto.getRandomValues(new Uint8Array(PLAINTEXT_BYTES));
  // Every message sealed in a measured window is then opened once, in order (a message opens once:
  // its key is gone after), and the opening is timed over all of them.
  let sealState = pair.alice;
  const sealed: Uint8Array[] = [];
  const sealOnce = async () => {
    const s = await pair.mls.encrypt(sealState, pt);
    sealState = s.state;
    sealed.push(s.message);
  };
  let openState = pair.bob;
  const openAll = async (cpuOut?: number[]): Promise<number> => {
    const batch = sealed.splice(0);
    cpuSince(0);
    const start = performance.now();
    for (const m of batch) openState = (await pair.mls.process(openState, m)).state;
    const perSecond = batch.length / ((performance.now() - start) / 1000);
    cpuOut?.push(cpuSince(batch.length));
    return perSecond;
  };
  // Raw: what one message needs at least: an AES-128-GCM key import and encryption of the 1 KiB and
  // an Ed25519 signature (key already imported), and on open the import, decryption and verification.
  const signing = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  const aesKey = crypto.getRandomValues(new Uint8Array(16));
  const iv = new Uint8Array(12);
  const rawSealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await crypto.subtle.importKey('raw', aesKey, 'AES-GCM', false, ['encrypt']), pt));
  const rawSig = new Uint8Array(await crypto.subtle.sign('Ed25519', signing.privateKey, rawSealed));
  const rawSeal = async () => {
    const k = await crypto.subtle.importKey('raw', aesKey, 'AES-GCM', false, ['encrypt']);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, k, pt);
    await crypto.subtle.sign('Ed25519', signing.privateKey, ct);
  };
  const rawOpen = async () => {
    if (!(await crypto.subtle.verify('Ed25519', signing.publicKey, rawSig, rawSealed))) throw new Error('raw verify failed');
    const k = await crypto.subtle.importKey('raw', aesKey, 'AES-GCM', false, ['decrypt']);
    await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, k, rawSealed);
  };
  // ts-mls with its default provider, on the same states (the issue measured 347 / 561 per second).
  let libSealState: ClientState = { ...unwrap(pair.alice), clientConfig: defaultClientConfig };
  const libSealed: PrivateMessage[] = [];
  const libSeal = async () => {
    const r = await createApplicationMessage(libSealState, pt, defaultImpl);
    libSealState = r.newState;
    libSealed.push(r.privateMessage);
  };
  let libOpenState: ClientState = { ...unwrap(pair.bob), clientConfig: defaultClientConfig };
  const libOpenAll = async (cpuOut?: number[]): Promise<number> => {
    const batch = libSealed.splice(0);
    cpuSince(0);
    const start = performance.now();
    for (const m of batch) libOpenState = (await processPrivateMessage(libOpenState, m, makePskIndex(libOpenState, {}), defaultImpl)).newState;
    const perSecond = batch.length / ((performance.now() - start) / 1000);
    cpuOut?.push(cpuSince(batch.length));
    return perSecond;
  };
  const seal: number[] = [];
  const open: number[] = [];
  const rawS: number[] = [];
  const rawO: number[] = [];
  const libS: number[] = [];
  const libO: number[] = [];
  const cpuUs: Record<'seal' | 'open' | 'rawSeal' | 'rawOpen' | 'tsMlsSeal' | 'tsMlsOpen', number[]> = { seal: [], open: [], rawSeal: [], rawOpen: [], tsMlsSeal: [], tsMlsOpen: [] };
  // Warm-up (JIT, key caches), opened too so both states stay in step.
  await rate(sealOnce, Math.min(ms, 200));
  await openAll();
  await rate(rawSeal, Math.min(ms, 200));
  await rate(rawOpen, Math.min(ms, 200));
  for (let r = 0; r < rounds; r++) {
    seal.push(await rate(sealOnce, ms, cpuUs.seal));
    open.push(await openAll(cpuUs.open));
    rawS.push(await rate(rawSeal, ms, cpuUs.rawSeal));
    rawO.push(await rate(rawOpen, ms, cpuUs.rawOpen));
    libS.push(await rate(libSeal, ms, cpuUs.tsMlsSeal));
    libO.push(await libOpenAll(cpuUs.tsMlsOpen));
  }
  const sm = median(seal);
  const om = median(open);
  ctx.log(`CPU µs per message (median): ${JSON.stringify(Object.fromEntries(Object.entries(cpuUs).map(([k, v]) => [k, median(v)])))}`);
  ctx.log(`messages (1 KiB): sealed ${round(sm, 0)}/s (raw ${round(median(rawS), 0)}/s, ts-mls default ${round(median(libS), 0)}/s), opened ${round(om, 0)}/s (raw ${round(median(rawO), 0)}/s, ts-mls default ${round(median(libO), 0)}/s)`);
  summary.push({ metric: `application messages sealed (${PLAINTEXT_BYTES} B)`, unit: 'msg/s', sealcast: round(sm, 0), baseline: round(median(rawS), 0), baselineName: 'raw AES-GCM + Ed25519 sign', ratio: ratio(sm, median(rawS)), higherIsBetter: true });
  summary.push({ metric: `application messages opened (${PLAINTEXT_BYTES} B)`, unit: 'msg/s', sealcast: round(om, 0), baseline: round(median(rawO), 0), baselineName: 'raw AES-GCM + Ed25519 verify', ratio: ratio(om, median(rawO)), higherIsBetter: true });
  summary.push({ metric: 'messages sealed, adapter vs ts-mls default provider', unit: 'msg/s', sealcast: round(sm, 0), baseline: round(median(libS), 0), baselineName: 'ts-mls default provider', ratio: ratio(sm, median(libS)), higherIsBetter: true });
  summary.push({ metric: 'messages opened, adapter vs ts-mls default provider', unit: 'msg/s', sealcast: round(om, 0), baseline: round(median(libO), 0), baselineName: 'ts-mls default provider', ratio: ratio(om, median(libO)), higherIsBetter: true });
  details.messages = {
    plaintextBytes: PLAINTEXT_BYTES,
    sealedPerRound: seal.map((v) => round(v, 0)),
    openedPerRound: open.map((v) => round(v, 0)),
    rawSealPerRound: rawS.map((v) => round(v, 0)),
    rawOpenPerRound: rawO.map((v) => round(v, 0)),
    tsMlsDefaultSealPerRound: libS.map((v) => round(v, 0)),
    tsMlsDefaultOpenPerRound: libO.map((v) => round(v, 0)),
    cpuMicrosecondsPerMessage: Object.fromEntries(Object.entries(cpuUs).map(([k, v]) => [k, median(v)])),
    messageBytes: await pair.mls.encrypt(sealState, pt).then((m) => m.message.byteLength),
  };
  return {
    parameters: { sizes, rounds, msPerMeasurement: ms, plaintextBytes: PLAINTEXT_BYTES, cipherSuite: SUITE_1 },
    loadBound: `one process, one core; builds groups of ${sizes.join(', ')} members (the largest takes tens of seconds), ${rounds} round(s) of add + join + process per size, then ${rounds} x 6 message measurements of ${ms} ms; no network`,
    summary,
    details,
    notes: [
      'sealcast: the MLS adapter (src/crypto/mls) with its suite-1 provider (WebCrypto Ed25519/X25519/AES-GCM, @noble/hashes SHA-256/HMAC/HKDF, HPKE from RFC 9180) and its own join (RFC 9420 tree validation).',
      'Groups are built by one commit from the first member adding all the others (no parent nodes set yet); each round adds one fresh device to that same state (states are immutable), so every round measures the same commit. "join" is the new device processing the Welcome (the whole tree validated: every leaf signature verified).',
      'Baselines for commits and joins: the same operations through ts-mls 1.6.4 with its default provider (and, for the join, its own joinGroup), on the same states. For messages: the primitives one message needs (an AES-128-GCM key import and encryption of 1 KiB, an Ed25519 signature or verification with an imported key) through WebCrypto; MLS adds the secret-tree ratchet, sender-data encryption, framing and padding, so the ratio is the share of the ceiling reached.',
      'Rounds alternate adapter and baseline; medians are reported. The machine is shared (see its load average): details.messages.cpuMicrosecondsPerMessage gives the CPU time per message of each side (all threads), which load disturbs far less than wall-clock rates.',
    ],
    skipped: [],
  };
}

export const mlsBench: Benchmark = {
  name: 'mls',
  title: 'MLS through the adapter: commit and join at 10/100/1,000 members, messages per second vs raw primitives',
  goal: 'No fixed goal: the cost of a commit and a join as groups grow, and how close messages come to the primitives they need (ratio).',
  run,
};

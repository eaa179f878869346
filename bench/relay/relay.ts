import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setting, type Benchmark, type BenchContext } from '../lib/bench.js';
import { CpuMeter } from '../lib/machine.js';
import { Worker } from '../lib/proc.js';
import type { SummaryRow } from '../lib/result.js';
import { startTarget } from '../lib/servers.js';
import { median, ratio } from '../lib/stats.js';
import { benchTls } from '../lib/tls.js';
import { hasPackage, missing } from '../lib/tools.js';
import type { PhaseResult, PhaseSpec } from './engine.js';

const GENERATOR = fileURLToPath(new URL('./generator.js', import.meta.url));
const P99_BOUND_MS = 10;
type Kind = 'sealcast' | 'bare' | 'socketio';
const LABEL: Record<Kind, string> = { sealcast: 'sealcast', bare: 'bare ws', socketio: 'Socket.IO' };

interface Measured extends PhaseResult {
  cpu: Record<string, number>;
}

interface RoundResult {
  saturation: Measured;
  sweep: Measured[];
  /** Highest rate (messages/s delivered) whose p99 stayed under the bound with nothing lost. */
  sloMessagesPerSecond: number;
  reference: Measured;
  fanout: Measured;
}

function passes(r: PhaseResult): boolean {
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return r.latency.p99 < P99_BOUND_MS && r.lost === 0 && r.skipped === 0 && errors === 0 && r.messagesPerSecond >= 0.95 * (r.offeredPerSecond ?? 0);
}

async function run(ctx: BenchContext) {
  const clients = setting('RELAY_CLIENTS', 200, 20, ctx);
  const rounds = setting('ROUNDS', 3, 1, ctx);
  const warmupMs = setting('RELAY_WARMUP_MS', 1000, 300, ctx);
  const measureMs = setting('RELAY_MEASURE_MS', 3000, 700, ctx);
  const window = setting('RELAY_WINDOW', 4, 2, ctx);
  const referenceRate = setting('RELAY_REFERENCE_RATE', 500, 200, ctx);
  // One rate grid for every server (msg/s), tried up to each one's closed-loop rate.
  // Steps of at most a third up to 4,000 msg/s, where the servers' bounds fall on this box: a coarser grid
  // quantised the ratio (1,000 against 1,500 reads 0.67 whatever lies between).
  const sweepRates = ctx.quick ? [200] : [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000, 3500, 4000, 5000, 6000, 8000, 12000, 16000];
  const plaintextBytes = 1024;
  const phase = (extra: Partial<PhaseSpec> & Pick<PhaseSpec, 'mode'>): PhaseSpec => ({ warmupMs, measureMs, ...extra });

  const kinds: Kind[] = ['sealcast'];
  const skipped: { what: string; reason: string }[] = [];
  kinds.push('bare');
  if (hasPackage('socket.io') && hasPackage('socket.io-client')) kinds.push('socketio');
  else skipped.push({ what: 'Socket.IO baseline', reason: missing(hasPackage('socket.io') ? 'socket.io-client' : 'socket.io') });

  const tls = await benchTls(join(ctx.tmp, 'tls-data'));
  const workers = new Map<Kind, Worker>();
  const results = new Map<Kind, RoundResult[]>(kinds.map((k) => [k, []]));
  let envelopeSizes = { unicastBytes: 0, broadcastBytes: 0 };
  try {
    for (const k of kinds) workers.set(k, new Worker(GENERATOR));
    ctx.log(`sealing ${clients * window * 4} envelopes and ${window * 2} to-all envelopes for ${clients} identities (before any timing)`);
    const prep = await workers.get('sealcast')!.request<{ unicastBytes: number; broadcastBytes: number; prepareSeconds: number }>('prepare', {
      kind: 'sealcast',
      sealcast: { clients, plaintextBytes, poolPerClient: window * 4, broadcastPool: window * 2 },
    });
    envelopeSizes = { unicastBytes: prep.unicastBytes, broadcastBytes: prep.broadcastBytes };
    ctx.log(`sealed in ${prep.prepareSeconds.toFixed(1)} s; envelope ${prep.unicastBytes} B, to-all envelope ${prep.broadcastBytes} B`);
    for (const k of kinds) if (k !== 'sealcast') await workers.get(k)!.request('prepare', { kind: k, baseline: { clients, ...envelopeSizes } });

    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no server always runs first (or last) on a warm box.
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
      for (const k of order) {
        const dataDir = join(ctx.tmp, `${k}-${round}`);
        mkdirSync(dataDir, { recursive: true });
        const target = await startTarget(k, tls, dataDir);
        const worker = workers.get(k)!;
        try {
          await worker.request('connect', { url: target.url, fingerprintHex: target.fingerprintHex });
          const measure = async (spec: PhaseSpec): Promise<Measured> => {
            const cpu = new CpuMeter({ server: target.pid, generator: worker.pid });
            const r = await worker.request<PhaseResult>('phase', spec);
            return { ...r, cpu: cpu.read() };
          };
          const saturation = await measure(phase({ mode: 'closed', window }));
          // Every grid rate up to the closed-loop rate, not only until the first miss: on a shared
          // box one scheduling hiccup can fail a low rate that passes again above it.
          const sweep: Measured[] = [];
          let best = 0;
          for (const rate of sweepRates.filter((r, i) => i === 0 || r <= saturation.messagesPerSecond * 1.1)) {
            const r = await measure(phase({ mode: 'open', rate }));
            sweep.push(r);
            if (passes(r)) best = Math.max(best, r.messagesPerSecond);
          }
          const reference = await measure(phase({ mode: 'open', rate: referenceRate }));
          const fanout = await measure(phase({ mode: 'fanout', window: 2 }));
          results.get(k)!.push({ saturation, sweep, sloMessagesPerSecond: best, reference, fanout });
          ctx.log(
            `round ${round + 1}/${rounds} ${LABEL[k]}: saturated ${saturation.messagesPerSecond} msg/s (p99 ${saturation.latency.p99} ms, cpu server ${saturation.cpu.server}% generator ${saturation.cpu.generator}%), ` +
              `p99<${P99_BOUND_MS}ms up to ${best} msg/s; at ${referenceRate}/s p50 ${reference.latency.p50} p99 ${reference.latency.p99} ms; ` +
              `fan-out ${fanout.deliveriesPerSecond} deliveries/s`,
          );
        } finally {
          await worker.request('disconnect').catch(() => undefined);
          await target.stop();
        }
      }
    }
  } finally {
    for (const w of workers.values()) await w.close();
  }

  const med = (k: Kind, pick: (r: RoundResult) => number) => median((results.get(k) ?? []).map(pick));
  const row = (metric: string, unit: string, k: Kind, pick: (r: RoundResult) => number, higherIsBetter: boolean, goal?: { factor: number }): SummaryRow => {
    const s = med('sealcast', pick);
    const b = med(k, pick);
    const rt = ratio(s, b);
    return {
      metric, unit, sealcast: s, baseline: b, baselineName: LABEL[k], ratio: rt, higherIsBetter,
      ...(goal ? { goal: `≥ ${goal.factor}× ${LABEL[k]}`, pass: rt >= goal.factor } : {}),
    };
  };
  const summary: SummaryRow[] = [];
  const baselines = kinds.filter((k): k is Exclude<Kind, 'sealcast'> => k !== 'sealcast');
  const goals: Record<string, number> = { bare: 0.8, socketio: 3 };
  for (const k of baselines) summary.push(row(`1:1 messages/s with p99 < ${P99_BOUND_MS} ms`, 'msg/s', k, (r) => r.sloMessagesPerSecond, true, { factor: goals[k]! }));
  for (const k of baselines) summary.push(row(`1:1 messages/s at saturation (${window} in flight per client)`, 'msg/s', k, (r) => r.saturation.messagesPerSecond, true));
  for (const k of baselines) {
    summary.push(row(`1:1 p50 latency at ${referenceRate} msg/s`, 'ms', k, (r) => r.reference.latency.p50, false));
    summary.push(row(`1:1 p99 latency at ${referenceRate} msg/s`, 'ms', k, (r) => r.reference.latency.p99, false));
    summary.push(row(`1:1 p99.9 latency at ${referenceRate} msg/s`, 'ms', k, (r) => r.reference.latency.p999, false));
  }
  for (const k of baselines) summary.push(row(`fan-out deliveries/s (1 to ${clients - 1})`, 'deliveries/s', k, (r) => r.fanout.deliveriesPerSecond, true));
  for (const k of baselines) summary.push(row(`fan-out p99 until the last recipient has it`, 'ms', k, (r) => r.fanout.completeLatency?.p99 ?? NaN, false));

  const perKind = Object.fromEntries([...results].map(([k, rs]) => [k, rs]));
  return {
    parameters: {
      clients, rounds, warmupMs, measureMs, windowPerClient: window, referenceRate, plaintextBytes,
      envelopeBytes: envelopeSizes.unicastBytes, toAllEnvelopeBytes: envelopeSizes.broadcastBytes, sweepRates, p99BoundMs: P99_BOUND_MS,
    },
    loadBound:
      `${clients} WebSocket clients on 127.0.0.1 in one generator process, per server and round: one closed-loop phase (${window} messages in flight per client), ` +
      `up to ${sweepRates.length} open-loop rate steps (${sweepRates.join(', ')} msg/s, up to its closed-loop rate), one at ${referenceRate} msg/s and one fan-out phase, each ${warmupMs + measureMs} ms plus at most 3 s of drain; ` +
      `${kinds.length} servers × ${rounds} round(s)`,
    summary,
    details: { perKind },
    notes: [
      `sealcast clients log in for real (challenge signed with each client's Ed25519 key, certificate pinned) and send real sealed envelopes (hpke suite, ${plaintextBytes} B plaintext = ${envelopeSizes.unicastBytes} B envelope); every frame is decoded and validated as the client core does, and every delivery is acked. Envelopes are sealed before timing starts (sealing costs about 2 ms each in the generator and would make it the bottleneck) and reused once the server has deleted them after the recipient's ack.`,
      'sealcast does per message what the baselines do not: validates the frame and the envelope header, writes it to SQLite before answering, sends Accepted to the sender, deletes it on the recipient\'s ack and tells the sender Delivered. The baselines only route: bare ws rewrites a 7-byte header and forwards; Socket.IO emits to the recipient\'s socket (socket.broadcast for to-all). Baseline payloads have the same sizes as sealcast\'s envelopes. All three use TLS 1.3 with the same certificate.',
      `Rate search: open-loop load (latency counted from each message's scheduled send time, so a late generator or server cannot hide its queue) at every rate of the grid up to the server's closed-loop rate; a step passes when p99 < ${P99_BOUND_MS} ms, ≥ 95% of the offered rate arrives, and nothing is lost or refused; the result is the highest passing rate (0 when none passes). Latencies at ${referenceRate} msg/s compare the three at the same load.`,
      'The load generator shares the 2-core box with the server (and with other work: see the load average); "cpu" in details gives server and generator CPU per phase (100 = one core), which tells which side was the bottleneck.',
    ],
    skipped,
  };
}

export const relayBench: Benchmark = {
  name: 'relay',
  title: 'Message relay: 1:1 throughput and latency, and 1-to-all fan-out, vs bare ws and Socket.IO',
  goal: `≥ 0.8× bare ws and ≥ 3× Socket.IO in 1:1 messages/s with p99 < ${P99_BOUND_MS} ms`,
  run,
};

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setting, type Benchmark, type BenchContext } from '../lib/bench.js';
import { processCpuSeconds } from '../lib/machine.js';
import { Worker } from '../lib/proc.js';
import type { SummaryRow } from '../lib/result.js';
import { median, ratio, round } from '../lib/stats.js';
import { hlsToken, readyTitle } from '../lib/title.js';
import { missing, which } from '../lib/tools.js';
import { httpLoad, httpLoadTool, type HttpLoadResult } from './http-load.js';
import { startNginx, type Nginx } from './nginx.js';
import type { ViewerStats, ViewersSpec } from './viewers.js';

const VIEWERS = fileURLToPath(new URL('./viewers.js', import.meta.url));

/** CPU seconds of a process and its direct children (nginx's master and worker). */
function treeCpuSeconds(pid: number): number {
  let kids: number[] = [];
  try {
    kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    // no children
  }
  return [pid, ...kids].reduce((s, p) => s + (processCpuSeconds(p) || 0), 0);
}

interface StreamStep {
  viewers: number;
  /** CPU of the server and of the viewers' process during the step (100 = one core). */
  cpu: { server: number; viewers: number };
  keptUp: number;
  stalls: number;
  medianStartupMs: number;
  errors: string[];
}

/** Raises the number of real-time viewers until one of them stalls; returns every step. */
async function streamSteps(ctx: BenchContext, label: string, serverPid: number, steps: number[], make: (n: number) => ViewersSpec): Promise<{ steps: StreamStep[]; keptUp: number }> {
  const out: StreamStep[] = [];
  let best = 0;
  for (const n of steps) {
    const w = new Worker(VIEWERS);
    try {
      const cpu0 = { server: treeCpuSeconds(serverPid), viewers: processCpuSeconds(w.pid), t: performance.now() };
      const r = await w.request<{ viewers: ViewerStats[] }>('run', make(n), 600_000);
      const secs = (performance.now() - cpu0.t) / 1000;
      const cpu = { server: Math.round(((treeCpuSeconds(serverPid) - cpu0.server) / secs) * 100), viewers: Math.round(((processCpuSeconds(w.pid) - cpu0.viewers) / secs) * 100) };
      const ok = r.viewers.filter((v) => !v.error && v.stalls === 0);
      const step: StreamStep = {
        viewers: n,
        cpu,
        keptUp: ok.length,
        stalls: r.viewers.reduce((s, v) => s + v.stalls, 0),
        medianStartupMs: round(median(r.viewers.map((v) => v.startupMs)), 0),
        errors: [...new Set(r.viewers.map((v) => v.error).filter((e): e is string => !!e))].slice(0, 3),
      };
      out.push(step);
      ctx.log(`${label}: ${n} viewers, ${ok.length} kept up (median start ${step.medianStartupMs} ms, ${step.stalls} stalls; cpu server ${cpu.server}%, viewers ${cpu.viewers}%)`);
      if (ok.length < n) break;
      best = n;
    } finally {
      await w.close();
    }
  }
  return { steps: out, keptUp: best };
}

async function run(ctx: BenchContext) {
  const seconds = setting('MEDIA_CLIP_SECONDS', 60, 8, ctx);
  const connections = setting('MEDIA_HLS_CONNECTIONS', 50, 5, ctx);
  const loadSeconds = setting('MEDIA_LOAD_SECONDS', 8, 2, ctx);
  const rounds = setting('ROUNDS', 3, 1, ctx);
  const streamSegments = setting('MEDIA_STREAM_SEGMENTS', 6, 3, ctx);
  const viewerSteps = process.env.SEALCAST_BENCH_MEDIA_VIEWER_STEPS
    ? process.env.SEALCAST_BENCH_MEDIA_VIEWER_STEPS.split(',').map(Number)
    : ctx.quick ? [2] : [25, 50, 100, 200, 400, 800];
  if (viewerSteps.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('SEALCAST_BENCH_MEDIA_VIEWER_STEPS must be a comma-separated list of positive integers');
  const spec = ctx.quick ? { width: 640, height: 360, seconds } : { width: 1280, height: 720, seconds };
  const skipped: { what: string; reason: string }[] = [];
  const notes: string[] = [];

  const t = await readyTitle(spec, ctx.log);
  let nginx: Nginx | undefined;
  const summary: SummaryRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    const rung = Math.max(...t.segments.keys());
    const files = t.segments.get(rung)!;
    const token = await hlsToken(t);
    const sealcastPaths = files.map((_, i) => `/hls/${t.title}/${rung}/${i}.ts?token=${token}`);
    const nginxPaths = files.map((f) => `/${rung}/${f}`);
    const nginxBin = which('nginx');
    if (nginxBin) nginx = await startNginx(nginxBin, join(ctx.tmp, 'nginx'), t.titleDir, join(t.server.dataDir, 'tls', 'server.crt'), join(t.server.dataDir, 'tls', 'server.key'));
    else skipped.push({ what: 'nginx baseline', reason: missing('nginx') });

    // Part 1: HLS viewers fetching segments as fast as they can.
    const tool = httpLoadTool();
    if (!tool) {
      skipped.push({ what: 'HLS segments/s', reason: `${missing('wrk')}; autocannon is not installed either (npm install)` });
    } else {
      const runs: { sealcast: (HttpLoadResult & { cpu: number })[]; nginx: (HttpLoadResult & { cpu: number })[] } = { sealcast: [], nginx: [] };
      for (let r = 0; r < rounds; r++) {
        for (const side of r % 2 === 0 ? (['nginx', 'sealcast'] as const) : (['sealcast', 'nginx'] as const)) {
          if (side === 'nginx' && !nginx) continue;
          const pid = side === 'nginx' ? nginx!.pid : t.server.proc.pid!;
          const cpu0 = treeCpuSeconds(pid);
          const res = await httpLoad(tool, side === 'nginx' ? `https://127.0.0.1:${nginx!.port}` : t.server.httpsUrl, side === 'nginx' ? nginxPaths : sealcastPaths, connections, loadSeconds, ctx.tmp);
          const cpu = Math.round(((treeCpuSeconds(pid) - cpu0) / loadSeconds) * 100);
          if (res.non2xx > 0 || res.errors > 0) throw new Error(`${side}: ${res.non2xx} non-2xx answers and ${res.errors} socket errors during the HLS load`);
          runs[side].push({ ...res, cpu });
          ctx.log(`round ${r + 1}/${rounds} ${side}: ${Math.round(res.requestsPerSecond)} segments/s, ${(res.bytesPerSecond / 1e6).toFixed(1)} MB/s, p99 ${res.latencyP99Ms} ms, server cpu ${cpu}%`);
        }
      }
      details.hls = { rung, segmentFiles: files.length, tool, runs };
      const m = (side: 'sealcast' | 'nginx', k: keyof HttpLoadResult) => median(runs[side].map((x) => x[k] as number));
      const row = (metric: string, unit: string, k: keyof HttpLoadResult, scale: number, higherIsBetter: boolean, goal: boolean): SummaryRow => {
        const s = round(m('sealcast', k) / scale, 1);
        if (!nginx) return { metric, unit, sealcast: s, higherIsBetter };
        const b = round(m('nginx', k) / scale, 1);
        const rt = ratio(m('sealcast', k), m('nginx', k));
        return { metric, unit, sealcast: s, baseline: b, baselineName: 'nginx', ratio: rt, higherIsBetter, ...(goal ? { goal: '≥ 0.8× nginx', pass: rt >= 0.8 } : {}) };
      };
      summary.push(row(`HLS ${rung}p segments/s, ${connections} viewers over TLS`, 'segments/s', 'requestsPerSecond', 1, true, true));
      summary.push(row(`HLS ${rung}p bytes/s, ${connections} viewers over TLS`, 'MB/s', 'bytesPerSecond', 1e6, true, true));
      summary.push(row(`HLS segment p99 latency under that load`, 'ms', 'latencyP99Ms', 1, false, false));
    }

    // Part 2: real-time viewers of the top rung: over the socket (sealcast) and over HLS (nginx).
    const socketRun = await streamSteps(ctx, 'socket streams', t.server.proc.pid!, viewerSteps, (count) => ({
      mode: 'socket', count, segments: streamSegments, segmentMs: t.segmentMs, buffer: 3, url: t.server.url, title: t.title, policy: `fixed:${rung}p`, pin: t.server.fingerprintHex,
    }));
    details.socketStreams = socketRun.steps;
    let hlsRun: { steps: StreamStep[]; keptUp: number } | undefined;
    if (nginx) {
      const base = `https://127.0.0.1:${nginx.port}`;
      hlsRun = await streamSteps(ctx, 'nginx HLS viewers', nginx.pid, viewerSteps, (count) => ({ mode: 'hls', count, segments: streamSegments, segmentMs: t.segmentMs, buffer: 3, base, paths: nginxPaths }));
      details.nginxHlsViewers = hlsRun.steps;
    }
    const capped = (r: { steps: StreamStep[]; keptUp: number }) => (r.keptUp === viewerSteps[viewerSteps.length - 1] ? ' (every step passed)' : '');
    summary.push({
      metric: `${rung}p streams keeping up with real time${capped(socketRun)}`, unit: 'viewers', sealcast: socketRun.keptUp,
      ...(hlsRun ? { baseline: hlsRun.keptUp, baselineName: 'nginx HLS', ratio: ratio(socketRun.keptUp, hlsRun.keptUp) } : {}), higherIsBetter: true,
    });
    const startup = (r: { steps: StreamStep[] }) => r.steps[0]?.medianStartupMs ?? NaN;
    summary.push({
      metric: `median time to first ${rung}p segment with ${viewerSteps[0]} viewers starting at once`, unit: 'ms', sealcast: startup(socketRun),
      ...(hlsRun ? { baseline: startup(hlsRun), baselineName: 'nginx HLS', ratio: ratio(startup(socketRun), startup(hlsRun)) } : {}), higherIsBetter: false,
    });
    notes.push(
      `Title: a ${spec.seconds} s ${spec.width}x${spec.height} test pattern with a tone, transcoded by sealcast (cached between runs); both servers send the same ${rung}p segment files (${files.length} of them) with the same certificate (DATA/tls of the sealcast server), TLS 1.3.`,
      `nginx: Debian's build, 1 worker process (sealcast is one Node process), sendfile, keep-alive, no access log. sealcast checks the HLS token (HMAC) and the title on every request.`,
      `Real-time viewers play ${streamSegments} segments with a 3-segment buffer; a viewer keeps up if no segment arrives more than 50 ms after its play-out time. Socket viewers log in, PLAY with policy fixed:${rung}p and grant one credit per segment played; HLS viewers fetch the next segment over one keep-alive connection whenever the buffer has room. Steps: ${viewerSteps.join(', ')} viewers, stopping at the first that fails.`,
    );
  } finally {
    await nginx?.stop();
    t.client.terminate();
    await t.server.stop();
  }
  return {
    parameters: { clip: spec, hlsConnections: connections, loadSeconds, rounds, viewerSteps, streamSegments, bufferSegments: 3 },
    loadBound: `${connections} keep-alive HTTPS connections for ${loadSeconds} s per run, ${rounds} round(s) per server; then up to ${viewerSteps[viewerSteps.length - 1]} real-time viewers for about ${streamSegments * 2 + 2} s per step, per server; all on 127.0.0.1`,
    summary,
    details,
    notes,
    skipped,
  };
}

export const mediaServingBench: Benchmark = {
  name: 'media-serving',
  title: 'HLS segments/s over TLS vs nginx, and real-time 720p streams',
  goal: '≥ 0.8× nginx in HLS segments/s and bytes/s',
  run,
};

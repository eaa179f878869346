import type { ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:https';
import { join } from 'node:path';
import { ffmpegPath } from '../../src/media/ffmpeg-path.js';
import { decodeServerFrame, encodeClientFrame } from '../../src/protocol/index.js';
import { setting, type Benchmark, type BenchContext } from '../lib/bench.js';
import { spawnTracked } from '../lib/proc.js';
import type { SummaryRow } from '../lib/result.js';
import { median, percentileSorted, ratio, round } from '../lib/stats.js';
import { hlsToken, readyTitle, type ReadyTitle } from '../lib/title.js';
import { missing, which } from '../lib/tools.js';
import { startNginx, type Nginx } from '../media/nginx.js';

interface Play {
  /** From asking to play until the first segment is complete, ms. */
  firstSegmentMs: number;
  /** From asking to play until a decoder fed the bytes as they arrived put out its first picture, ms. */
  firstFrameMs: number;
}

/**
 * A decoder started before the clock starts (its start-up is not the server's): ffmpeg reading
 * MPEG-TS from stdin, told to probe little, writing the first decoded picture to stdout.
 */
function decoder(): { proc: ChildProcess; frame: Promise<number> } {
  const proc = spawnTracked(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-probesize', '32768', '-analyzeduration', '0', '-f', 'mpegts', '-i', 'pipe:0', '-map', '0:v:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdin!.on('error', () => {});
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const frame = new Promise<number>((resolve, reject) => {
    proc.stdout!.once('data', () => resolve(performance.now()));
    proc.once('close', (code) => reject(new Error(`decoder exited (${code}) without a picture: ${err.trim().slice(-300)}`)));
  });
  frame.catch(() => {});
  return { proc, frame };
}

async function timed(run: (feed: (chunk: Uint8Array) => void) => Promise<number>): Promise<Play> {
  const d = decoder();
  await new Promise((r) => setTimeout(r, 150)); // let the decoder start and block on its input
  const t0 = performance.now();
  try {
    const segmentAt = await run((chunk) => d.proc.stdin!.write(chunk));
    const frameAt = await Promise.race([d.frame, new Promise<number>((_, rej) => setTimeout(() => rej(new Error('no decoded picture within 10 s')), 10_000))]);
    return { firstSegmentMs: segmentAt - t0, firstFrameMs: frameAt - t0 };
  } finally {
    d.proc.kill('SIGKILL');
  }
}

/** PLAY over the logged-in socket; chunks go to the decoder as they arrive. */
function socketPlay(t: ReadyTitle, streamId: number, policy: string): Promise<Play> {
  return timed((feed) => new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no first segment within 10 s')), 10_000);
    const onMessage = (d: Buffer) => {
      const b = decodeServerFrame(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).body;
      if (b.case === 'segmentChunk' && b.value.streamId === streamId) {
        feed(b.value.data);
        if (b.value.lastChunk) {
          const at = performance.now();
          clearTimeout(timer);
          t.client.off('message', onMessage);
          t.client.send(encodeClientFrame({ body: { case: 'stop', value: { streamId } } }));
          resolve(at);
        }
      } else if (b.case === 'error') {
        clearTimeout(timer);
        t.client.off('message', onMessage);
        reject(new Error(`PLAY refused: ${b.value.name} ${b.value.message}`));
      }
    };
    t.client.on('message', onMessage);
    t.client.send(encodeClientFrame({ req: 9000 + streamId, body: { case: 'play', value: { streamId, title: t.title, policy, startMs: 0, initialCredit: 2 } } }));
  }));
}

function fetchBody(url: string, agent: Agent, onChunk?: (c: Buffer) => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`GET ${url.replace(/token=[^&]+/, 'token=…')}: HTTP ${res.statusCode}`));
      }
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        parts.push(c);
        onChunk?.(c);
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
    }).on('error', reject);
  });
}

/** What an HLS player does: master playlist, the rung's playlist, then its first segment (streamed to the decoder). */
function hlsPlay(base: string, rung: number, query: string, agent: Agent): Promise<Play> {
  return timed(async (feed) => {
    const master = (await fetchBody(`${base}/master.m3u8${query}`, agent)).toString();
    const variant = master.split('\n').find((l) => l.startsWith(`${rung}/`));
    if (!variant) throw new Error(`master playlist lists no ${rung}p rendition`);
    const media = (await fetchBody(`${base}/${variant.trim()}`, agent)).toString();
    const first = media.split('\n').find((l) => l && !l.startsWith('#'));
    if (!first) throw new Error('media playlist lists no segment');
    const url = first.startsWith('http') ? first : `${base}/${rung}/${first.trim()}`;
    await fetchBody(url, agent, (c) => feed(c));
    return performance.now();
  });
}

async function run(ctx: BenchContext) {
  const plays = setting('PLAYS', 20, 3, ctx);
  const spec = ctx.quick ? { width: 640, height: 360, seconds: 8 } : { width: 1280, height: 720, seconds: 60 };
  const skipped: { what: string; reason: string }[] = [];
  if (!which('ffmpeg') && !ffmpegPath()) throw new Error(missing('ffmpeg'));
  const t = await readyTitle(spec, ctx.log);
  let nginx: Nginx | undefined;
  const sides: Record<string, Play[]> = { socket: [], sealcastHls: [], nginxHls: [] };
  try {
    const rung = Math.max(...t.segments.keys());
    const token = await hlsToken(t);
    const agents = { sealcast: new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }), nginx: new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false }) };
    const sealcastBase = `${t.server.httpsUrl}/hls/${t.title}`;
    const master = (await fetchBody(`${sealcastBase}/master.m3u8?token=${token}`, agents.sealcast)).toString();
    const nginxBin = which('nginx');
    let nginxBase = '';
    if (nginxBin) {
      // nginx serves the same files: the rung directories of sealcast's cache and the same master playlist, without tokens.
      const root = join(ctx.tmp, 'hls-root');
      mkdirSync(root, { recursive: true });
      for (const h of t.segments.keys()) symlinkSync(join(t.titleDir, String(h)), join(root, String(h)));
      writeFileSync(join(root, 'master.m3u8'), master.replace(/\?token=[^\s]+/g, ''));
      nginx = await startNginx(nginxBin, join(ctx.tmp, 'nginx'), root, join(t.server.dataDir, 'tls', 'server.crt'), join(t.server.dataDir, 'tls', 'server.key'));
      nginxBase = `https://127.0.0.1:${nginx.port}`;
    } else {
      skipped.push({ what: 'nginx HLS baseline', reason: missing('nginx') });
    }
    // Warm each path once (TLS session, JIT) before timing, as a player that is already connected.
    await socketPlay(t, 1, `fixed:${rung}p`);
    await hlsPlay(sealcastBase, rung, `?token=${token}`, agents.sealcast);
    if (nginx) await hlsPlay(nginxBase, rung, '', agents.nginx);
    for (let i = 0; i < plays; i++) {
      sides.socket!.push(await socketPlay(t, 2 + (i % 2), `fixed:${rung}p`));
      sides.sealcastHls!.push(await hlsPlay(sealcastBase, rung, `?token=${token}`, agents.sealcast));
      if (nginx) sides.nginxHls!.push(await hlsPlay(nginxBase, rung, '', agents.nginx));
    }
    agents.sealcast.destroy();
    agents.nginx.destroy();
    const m = (side: string, k: keyof Play) => round(median(sides[side]!.map((p) => p[k])), 1);
    const p90 = (side: string, k: keyof Play) => round(percentileSorted(Float64Array.from(sides[side]!.map((p) => p[k])).sort(), 90), 1);
    ctx.log(`socket PLAY: first segment ${m('socket', 'firstSegmentMs')} ms, first frame ${m('socket', 'firstFrameMs')} ms (medians of ${plays})`);
    const withBase = (metric: string, unit: string, side: string, k: keyof Play, goal: boolean): SummaryRow => ({
      metric, unit, sealcast: m(side, k), higherIsBetter: false,
      ...(nginx ? { baseline: m('nginxHls', k), baselineName: 'nginx HLS', ratio: ratio(m(side, k), m('nginxHls', k)) } : {}),
      ...(goal ? { goal: '< 1000 ms', pass: m(side, k) < 1000 } : {}),
    });
    const summary: SummaryRow[] = [
      withBase(`PLAY to first ${rung}p segment over the socket (median of ${plays})`, 'ms', 'socket', 'firstSegmentMs', true),
      withBase(`PLAY to first decoded frame over the socket (median of ${plays})`, 'ms', 'socket', 'firstFrameMs', true),
      withBase(`HLS from sealcast: request to first ${rung}p segment (median of ${plays})`, 'ms', 'sealcastHls', 'firstSegmentMs', false),
      withBase(`HLS from sealcast: request to first decoded frame (median of ${plays})`, 'ms', 'sealcastHls', 'firstFrameMs', false),
    ];
    return {
      parameters: { plays, clip: spec, rung, policy: `fixed:${rung}p`, initialCredit: 2 },
      loadBound: `${plays} sequential plays per path (3 paths) on one idle server, each reading one segment; 127.0.0.1`,
      summary,
      details: { plays: sides, p90: Object.fromEntries(Object.keys(sides).filter((s) => sides[s]!.length).map((s) => [s, { firstSegmentMs: p90(s, 'firstSegmentMs'), firstFrameMs: p90(s, 'firstFrameMs') }])) },
      notes: [
        'Each play starts on an already connected client (logged-in socket, or a kept-alive HTTPS connection) for a ready title, as a player that is open would.',
        'Socket: PLAY (policy fixed to the top rung, credit 2) until the last chunk of the first segment. HLS: master playlist, then the rung\'s playlist, then its first segment, one after another, as hls.js does.',
        'First frame: the bytes are written, as they arrive, to an ffmpeg decoder started beforehand (probesize 32 KiB, no analysis delay); the time is when it puts out its first picture.',
      ],
      skipped,
    };
  } finally {
    await nginx?.stop();
    t.client.terminate();
    await t.server.stop();
  }
}

export const playLatencyBench: Benchmark = {
  name: 'play-latency',
  title: 'Time from PLAY to first segment and first decodable frame, ready title',
  goal: 'PLAY to first decodable frame < 1 s (median of 20)',
  run,
};

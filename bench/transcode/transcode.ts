import { spawn } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath } from '../../src/media/ffmpeg-path.js';
import { planLadder, type Rung } from '../../src/media/ladder.js';
import { MediaLibrary } from '../../src/media/media-library.js';
import { makeClip } from '../../test/support/media-fixtures.js';
import { setting, sleep, type Benchmark, type BenchContext } from '../lib/bench.js';
import { reapedChildrenCpuSeconds } from '../lib/machine.js';
import type { SummaryRow } from '../lib/result.js';
import { median, ratio, round } from '../lib/stats.js';

const SEGMENT_SECONDS = 2;
const FPS = 30;

interface Run {
  wallSeconds: number;
  cpuSeconds: number;
  firstSegmentSeconds: number;
  segments: number[];
}

/**
 * The ladder as one would write it by hand: one ffmpeg, the video split and scaled per rung,
 * the same x264 settings, keyframes every segment, and the HLS muxer's var_stream_map
 * writing one MPEG-TS playlist per rung.
 */
export function handWrittenArgs(src: string, out: string, rungs: Rung[]): string[] {
  const gop = FPS * SEGMENT_SECONDS;
  const split = `[0:v]split=${rungs.length}${rungs.map((_, i) => `[v${i}]`).join('')}`;
  const scales = rungs.map((r, i) => `[v${i}]scale=${r.width}:${r.height},format=yuv420p[o${i}]`);
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', src, '-filter_complex', [split, ...scales].join(';')];
  rungs.forEach((_, i) => args.push('-map', `[o${i}]`, '-map', '0:a:0'));
  args.push('-c:v', 'libx264', '-preset', 'veryfast', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SECONDS})`, '-c:a', 'aac', '-ac', '2', '-ar', '48000');
  rungs.forEach((r, i) => {
    args.push(`-profile:v:${i}`, r.profile, `-level:v:${i}`, r.level, `-b:v:${i}`, String(r.videoBitrate),
      `-maxrate:v:${i}`, String(Math.round(r.videoBitrate * 1.07)), `-bufsize:v:${i}`, String(r.videoBitrate * 2), `-b:a:${i}`, String(r.audioBitrate));
  });
  args.push('-f', 'hls', '-hls_time', String(SEGMENT_SECONDS), '-hls_playlist_type', 'event', '-hls_list_size', '0', '-hls_segment_type', 'mpegts',
    '-hls_flags', 'independent_segments', '-var_stream_map', rungs.map((_, i) => `v:${i},a:${i}`).join(' '),
    '-hls_segment_filename', join(out, '%v', 'seg_%05d.ts'), join(out, '%v', 'index.m3u8'));
  return args;
}

function segmentCount(playlist: string): number {
  try {
    return (readFileSync(playlist, 'utf8').match(/^#EXTINF/gm) ?? []).length;
  } catch {
    return 0;
  }
}

async function runHandWritten(src: string, out: string, rungs: Rung[]): Promise<Run> {
  mkdirSync(out, { recursive: true });
  const cpu0 = reapedChildrenCpuSeconds();
  const t0 = performance.now();
  const child = spawn(ffmpegPath(), handWrittenArgs(src, out, rungs), { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('close', r));
  let first = NaN;
  // The first segment is playable once every rung's playlist lists it; look every 20 ms.
  const playlists = rungs.map((_, i) => join(out, String(i), 'index.m3u8'));
  let done = false;
  void exit.then(() => (done = true));
  while (!done && Number.isNaN(first)) {
    if (playlists.every((p) => segmentCount(p) > 0)) first = (performance.now() - t0) / 1000;
    else await sleep(20);
  }
  const code = await exit;
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`hand-written ffmpeg ladder failed (${code}): ${err.trim().slice(-500)}`);
  if (Number.isNaN(first)) first = wallSeconds;
  return { wallSeconds, cpuSeconds: reapedChildrenCpuSeconds() - cpu0, firstSegmentSeconds: first, segments: playlists.map(segmentCount) };
}

async function runSealcast(src: string, work: string): Promise<Run> {
  const videos = join(work, 'videos');
  mkdirSync(videos, { recursive: true });
  linkSync(src, join(videos, 'clip.mp4'));
  const cacheDir = join(work, 'cache');
  const library = new MediaLibrary({ videosDir: videos, cacheDir });
  const cpu0 = reapedChildrenCpuSeconds();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  let first = NaN;
  library.on('segments', () => {
    if (Number.isNaN(first) && (library.get('clip')?.segmentsAvailable ?? 0) > 0) first = (performance.now() - t0) / 1000;
  });
  const ready = new Promise<void>((resolve, reject) => {
    library.on('ready', () => resolve());
    library.on('failed', (f: { error: string }) => reject(new Error(`sealcast ingest failed: ${f.error}`)));
  });
  await library.start();
  await ready;
  const wallSeconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  await library.close();
  const dir = join(cacheDir, readdirSync(cacheDir).find((d) => d.startsWith('clip-'))!);
  const heights = readdirSync(dir).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(a) - Number(b));
  return {
    wallSeconds,
    // ffmpeg and ffprobe (reaped children) plus the library's own work in this process.
    cpuSeconds: reapedChildrenCpuSeconds() - cpu0 + (own.user + own.system) / 1e6,
    firstSegmentSeconds: Number.isNaN(first) ? wallSeconds : first,
    segments: heights.map((h) => segmentCount(join(dir, h, 'index.m3u8'))),
  };
}

async function run(ctx: BenchContext) {
  const seconds = setting('TRANSCODE_SECONDS', 20, 4, ctx);
  const rounds = setting('ROUNDS', 3, 1, ctx);
  const size = ctx.quick ? { width: 640, height: 360 } : { width: 1280, height: 720 };
  const cache = join(tmpdir(), 'sealcast-bench-cache', `source-${size.width}x${size.height}-${seconds}s`);
  mkdirSync(cache, { recursive: true });
  const src = join(cache, 'source.mp4');
  if (!existsSync(src)) {
    ctx.log(`making a ${seconds} s ${size.width}x${size.height} source clip (cached in ${cache})`);
    makeClip(src + '.tmp.mp4', { ...size, seconds });
    renameSync(src + '.tmp.mp4', src);
  }
  const rungs = planLadder(size.width, size.height, true);
  const runs: { sealcast: Run[]; ffmpeg: Run[] } = { sealcast: [], ffmpeg: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['ffmpeg', 'sealcast'] as const) : (['sealcast', 'ffmpeg'] as const)) {
      const work = join(ctx.tmp, `${side}-${r}`);
      const res = side === 'sealcast' ? await runSealcast(src, work) : await runHandWritten(src, join(work, 'out'), rungs);
      runs[side].push(res);
      ctx.log(`round ${r + 1}/${rounds} ${side}: ${res.wallSeconds.toFixed(1)} s wall, ${res.cpuSeconds.toFixed(1)} s CPU, first segment after ${res.firstSegmentSeconds.toFixed(2)} s, segments per rung ${res.segments.join('/')}`);
    }
  }
  const s0 = runs.sealcast[0]!.segments.join('/');
  const f0 = runs.ffmpeg[0]!.segments.join('/');
  if (s0 !== f0) throw new Error(`the two ladders differ: sealcast wrote ${s0} segments per rung, the hand-written command ${f0}`);
  const m = (side: 'sealcast' | 'ffmpeg', k: 'wallSeconds' | 'cpuSeconds' | 'firstSegmentSeconds') => round(median(runs[side].map((x) => x[k])), 2);
  const speed = (side: 'sealcast' | 'ffmpeg') => round(seconds / m(side, 'wallSeconds'), 2);
  const speedRatio = ratio(speed('sealcast'), speed('ffmpeg'));
  const summary: SummaryRow[] = [
    { metric: `ladder ingest speed (${rungs.map((r) => r.height).join('/')}p from ${size.height}p, ${seconds} s source)`, unit: '× real time', sealcast: speed('sealcast'), baseline: speed('ffmpeg'), baselineName: 'hand-written ffmpeg', ratio: speedRatio, higherIsBetter: true, goal: '≥ 0.95× hand-written ffmpeg', pass: speedRatio >= 0.95 },
    { metric: 'ladder ingest wall time', unit: 's', sealcast: m('sealcast', 'wallSeconds'), baseline: m('ffmpeg', 'wallSeconds'), baselineName: 'hand-written ffmpeg', ratio: ratio(m('sealcast', 'wallSeconds'), m('ffmpeg', 'wallSeconds')), higherIsBetter: false },
    { metric: 'ladder ingest CPU time', unit: 'CPU s', sealcast: m('sealcast', 'cpuSeconds'), baseline: m('ffmpeg', 'cpuSeconds'), baselineName: 'hand-written ffmpeg', ratio: ratio(m('sealcast', 'cpuSeconds'), m('ffmpeg', 'cpuSeconds')), higherIsBetter: false },
    { metric: 'time to first playable segment (in every rung)', unit: 's', sealcast: m('sealcast', 'firstSegmentSeconds'), baseline: m('ffmpeg', 'firstSegmentSeconds'), baselineName: 'hand-written ffmpeg', ratio: ratio(m('sealcast', 'firstSegmentSeconds'), m('ffmpeg', 'firstSegmentSeconds')), higherIsBetter: false },
  ];
  return {
    parameters: { source: { ...size, seconds, fps: FPS, audio: true }, rungs: rungs.map((r) => ({ height: r.height, width: r.width, videoBitrate: r.videoBitrate, audioBitrate: r.audioBitrate })), segmentSeconds: SEGMENT_SECONDS, rounds },
    loadBound: `one ffmpeg process at a time (x264 uses both cores); ${rounds} round(s) × 2 ingests of a ${seconds} s ${size.height}p source`,
    summary,
    details: { runs, handWrittenCommand: ['ffmpeg', ...handWrittenArgs('SOURCE', 'OUT', rungs)].join(' ') },
    notes: [
      'sealcast: MediaLibrary (src/media) in this process ingests the clip as the server does: ffprobe, then one ffmpeg (decode once, split, one x264 encode per rung, HLS per rung), progress parsed, playlists polled. Wall time runs from start() to "ready"; CPU is ffprobe + ffmpeg + the library\'s own.',
      'Baseline: one hand-written ffmpeg command with the same rungs, x264 settings, keyframes and 2 s MPEG-TS segments, using the HLS muxer\'s var_stream_map (command in details). Its first segment is noticed by looking at the playlists every 20 ms; sealcast notices by its own 300 ms playlist poll.',
      'Both ladders are checked to have the same number of segments per rung.',
    ],
    skipped: [],
  };
}

export const transcodeBench: Benchmark = {
  name: 'transcode',
  title: 'Ladder ingest: sealcast\'s transcoder vs one hand-written ffmpeg command',
  goal: 'Ingest speed ≥ 0.95× the hand-written ffmpeg command',
  run,
};

import { execFile } from 'node:child_process';
import { MediaError } from './media-error.js';

/** A subtitle stream inside a source file. */
export interface EmbeddedSubtitle {
  /** Index among the file's subtitle streams (ffmpeg's `0:s:N`). */
  index: number;
  codec: string;
  /** ISO 639 language tag from the container, '' when none. */
  language: string;
  title: string;
}

/** What ingest needs to know of a source file. */
export interface ProbeResult {
  durationMs: number;
  /** The video stream's own duration, when the container states it (audio often runs a little longer). */
  videoDurationMs?: number;
  width: number;
  height: number;
  hasAudio: boolean;
  frameRate: number;
  subtitles: EmbeddedSubtitle[];
}

/** Subtitle codecs ffmpeg can turn into WebVTT (text ones; bitmaps such as PGS or DVD subtitles cannot). */
export const TEXT_SUBTITLE_CODECS = new Set(['subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text', 'text', 'microdvd', 'subviewer', 'sami', 'realtext']);

/** Tells the operator once per process which probe tool misbehaved. */
export type ProbeNotice = (message: string) => void;

interface FfprobeJson {
  streams?: { codec_type?: string; codec_name?: string; width?: number; height?: number; r_frame_rate?: string; duration?: string; tags?: { language?: string; title?: string } }[];
  format?: { duration?: string };
}

/**
 * Probes a file. ffprobe first; when ffprobe itself crashes (the static build from the npm package dies
 * with SIGSEGV on every MPEG-TS file) or is missing, ffmpeg reads the file instead (`ffmpeg -i`, whose
 * stream summary holds the same facts), and `notice` tells the operator which binary failed and what to
 * install. A file with no video stream, or that neither can read, is PROBE_FAILED.
 */
export async function probe(ffprobe: string, file: string, fallback?: { ffmpeg: string; notice?: ProbeNotice }): Promise<ProbeResult> {
  const run = await execute(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  if (run.kind === 'ok') return fromFfprobe(run.stdout);
  if (run.kind === 'failed') throw new MediaError('PROBE_FAILED', `not a readable media file: ${firstLine(run.stderr) || run.message}`);
  if (!fallback) throw new MediaError('PROBE_FAILED', `ffprobe (${ffprobe}) ${run.message}; install ffmpeg's ffprobe (e.g. apt-get install ffmpeg)`);
  fallback.notice?.(`ffprobe (${ffprobe}) ${run.message}; reading files with ffmpeg instead. A working ffprobe comes with your system's ffmpeg package (e.g. apt-get install ffmpeg).`);
  const viaFfmpeg = await execute(fallback.ffmpeg, ['-hide_banner', '-nostdin', '-i', file]);
  // Without an output ffmpeg exits 1 after printing the input summary: that summary is what we read.
  if (viaFfmpeg.kind === 'broken') throw new MediaError('PROBE_FAILED', `neither ffprobe nor ffmpeg (${fallback.ffmpeg}) can run: ${viaFfmpeg.message}`);
  return fromFfmpegSummary(viaFfmpeg.stderr);
}

type Execution =
  | { kind: 'ok'; stdout: string; stderr: string }
  /** The tool ran and refused the file. */
  | { kind: 'failed'; stdout: string; stderr: string; message: string }
  /** The tool itself is broken: killed by a signal, or not there. */
  | { kind: 'broken'; stderr: string; message: string };

function execute(cmd: string, args: string[]): Promise<Execution> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve({ kind: 'ok', stdout, stderr });
      const e = err as NodeJS.ErrnoException & { signal?: NodeJS.Signals | null; killed?: boolean };
      if (e.signal) return resolve({ kind: 'broken', stderr, message: `crashed (${e.signal})` });
      if (typeof e.code === 'string') return resolve({ kind: 'broken', stderr, message: `cannot be run (${e.code})` });
      resolve({ kind: 'failed', stdout, stderr, message: `exited with ${String(e.code)}` });
    });
  });
}

/** ffprobe's JSON → ProbeResult. */
export function fromFfprobe(stdout: string): ProbeResult {
  let info: FfprobeJson;
  try {
    info = JSON.parse(stdout) as FfprobeJson;
  } catch {
    throw new MediaError('PROBE_FAILED', 'ffprobe output not understood');
  }
  const video = info.streams?.find((s) => s.codec_type === 'video' && (s.width ?? 0) > 0);
  if (!video) throw new MediaError('PROBE_FAILED', 'no video stream');
  const duration = Number(info.format?.duration ?? video.duration);
  if (!(duration > 0)) throw new MediaError('PROBE_FAILED', 'unknown duration');
  const [num, den] = (video.r_frame_rate ?? '30/1').split('/').map(Number);
  const subtitles = (info.streams ?? [])
    .filter((s) => s.codec_type === 'subtitle')
    .map((s, index) => ({ index, codec: s.codec_name ?? '', language: s.tags?.language ?? '', title: s.tags?.title ?? '' }));
  const videoDuration = Number(video.duration);
  return {
    durationMs: Math.round(duration * 1000),
    ...(videoDuration > 0 ? { videoDurationMs: Math.round(videoDuration * 1000) } : {}),
    width: video.width!,
    height: video.height!,
    hasAudio: !!info.streams?.some((s) => s.codec_type === 'audio'),
    frameRate: num && den ? num / den : 30,
    subtitles,
  };
}

/**
 * ffmpeg's input summary (`Duration: 00:00:12.00, …`, `Stream #0:0: Video: h264 …, 854x480 …, 30 fps`)
 * → ProbeResult.
 */
export function fromFfmpegSummary(stderr: string): ProbeResult {
  const streams = [...stderr.matchAll(/^\s*Stream #\d+:\d+(?:\[[^\]]*\])?(?:\(([^)]*)\))?: (Video|Audio|Subtitle): ([^\n]*)$/gm)];
  const video = streams.find((m) => m[2] === 'Video' && /\b\d{2,5}x\d{2,5}\b/.test(m[3]!));
  if (!video) throw new MediaError('PROBE_FAILED', `not a readable media file: ${lastLine(stderr) || 'no video stream'}`);
  const d = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(stderr);
  const duration = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : NaN;
  if (!(duration > 0)) throw new MediaError('PROBE_FAILED', 'unknown duration');
  const size = /\b(\d{2,5})x(\d{2,5})\b/.exec(video[3]!)!;
  const fps = /([\d.]+) fps/.exec(video[3]!) ?? /([\d.]+) tbr/.exec(video[3]!);
  return {
    durationMs: Math.round(duration * 1000),
    width: Number(size[1]),
    height: Number(size[2]),
    hasAudio: streams.some((m) => m[2] === 'Audio'),
    frameRate: fps && Number(fps[1]) > 0 ? Number(fps[1]) : 30,
    subtitles: streams
      .filter((m) => m[2] === 'Subtitle')
      .map((m, index) => ({ index, codec: /^(\w+)/.exec(m[3]!)?.[1] ?? '', language: m[1] && m[1] !== 'und' ? m[1] : '', title: '' })),
  };
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim())?.trim() ?? '';
}

function lastLine(s: string): string {
  return s.split('\n').filter((l) => l.trim()).at(-1)?.trim() ?? '';
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A subtitle track as the server lists it. */
export interface ListedSubtitle {
  language: string;
  label: string;
  path: string;
}

/** Largest subtitle file fetched (the server keeps them under 4 MiB). */
export const MAX_SUBTITLE_FETCH = 4 * 1024 * 1024 + 1024;

/** `--subtitles`: auto (the track in your language, else the first), off, or a language tag. */
export type SubtitleChoice = { kind: 'auto' } | { kind: 'off' } | { kind: 'language'; language: string };

export function parseSubtitleChoice(raw: string | undefined): SubtitleChoice | undefined {
  const v = (raw ?? 'auto').trim().toLowerCase();
  if (v === 'auto') return { kind: 'auto' };
  if (v === 'off' || v === 'none') return { kind: 'off' };
  return /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/.test(v) ? { kind: 'language', language: v } : undefined;
}

/** The language of the user's locale ("en" from LANG=en_GB.UTF-8), or ''. */
export function localeLanguage(env: NodeJS.ProcessEnv = process.env): string {
  return /^([a-z]{2,3})(?:[_.@-]|$)/i.exec(env.LC_ALL || env.LC_MESSAGES || env.LANG || '')?.[1]?.toLowerCase() ?? '';
}

/** ISO 639-2 codes for the languages whose two-letter code people type. */
const THREE_LETTER: Record<string, string[]> = {
  en: ['eng'], fr: ['fre', 'fra'], de: ['ger', 'deu'], es: ['spa'], it: ['ita'], pt: ['por'], nl: ['dut', 'nld'], ja: ['jpn'],
  zh: ['chi', 'zho'], ru: ['rus'], pl: ['pol'], sv: ['swe'], da: ['dan'], fi: ['fin'], no: ['nor'], ko: ['kor'], ar: ['ara'], tr: ['tur'],
};

function sameLanguage(tag: string, want: string): boolean {
  const a = tag.toLowerCase().split('-')[0]!;
  const b = want.toLowerCase().split('-')[0]!;
  return a === b || (THREE_LETTER[b] ?? []).includes(a) || (THREE_LETTER[a] ?? []).includes(b);
}

/** Index of the track to show: the asked-for language, else (auto) the locale's, else the first; undefined for none. */
export function pickSubtitle(tracks: readonly ListedSubtitle[], choice: SubtitleChoice, locale = localeLanguage()): number | undefined {
  if (tracks.length === 0 || choice.kind === 'off') return undefined;
  if (choice.kind === 'language') {
    const i = tracks.findIndex((t) => sameLanguage(t.language, choice.language));
    return i >= 0 ? i : undefined;
  }
  const mine = locale ? tracks.findIndex((t) => sameLanguage(t.language, locale)) : -1;
  return mine >= 0 ? mine : 0;
}

const TIMING = /^((?:\d+:)?\d{2}:\d{2}\.\d{3}) --> ((?:\d+:)?\d{2}:\d{2}\.\d{3})(.*)$/;

function parseVttTime(s: string): number {
  const p = s.split(':').map(Number);
  const [h, m, sec] = p.length === 3 ? p : [0, p[0]!, p[1]!];
  return Math.round(((h! * 60 + m!) * 60 + sec!) * 1000);
}

function vttTime(ms: number): string {
  const t = Math.max(0, ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(t / 3_600_000))}:${pad(Math.floor((t % 3_600_000) / 60_000))}:${pad(Math.floor((t % 60_000) / 1000))}.${pad(t % 1000, 3)}`;
}

/**
 * The server's WebVTT (cue times in media time, with the HLS X-TIMESTAMP-MAP that places media time 0
 * on the segments' MPEG-TS clock) rewritten for a player reading the raw stream: cues moved onto that
 * clock, the map dropped. ffplay and mpv (with --rebase-start-time=no) time subtitles by the stream's
 * own timestamps, which keep their offset across seeks, so one file serves the whole playback.
 */
export function vttForStreamClock(vtt: string): string {
  const map = /^X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:([\d:.]+)$/m.exec(vtt);
  const offset = map ? Math.round(Number(map[1]) / 90) - parseVttTime(map[2]!) : 0;
  return vtt
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((l) => !l.startsWith('X-TIMESTAMP-MAP='))
    .map((l) => {
      const m = TIMING.exec(l);
      return m ? `${vttTime(parseVttTime(m[1]!) + offset)} --> ${vttTime(parseVttTime(m[2]!) + offset)}${m[3]}` : l;
    })
    .join('\n');
}

/** Subtitle files written for a player; `remove()` deletes them when playback ends. */
export interface SubtitleFiles {
  files: string[];
  /** Index in `files` of the track to show. */
  selected: number;
  remove(): void;
}

/** Writes the tracks (already fetched) into a private temporary directory, shifted onto the stream's clock. */
export function writeSubtitleFiles(texts: readonly string[], selected: number): SubtitleFiles {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-subs-'));
  const files = texts.map((text, i) => {
    const file = join(dir, `${i}.vtt`);
    writeFileSync(file, vttForStreamClock(text), { mode: 0o600 });
    return file;
  });
  return { files, selected, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Player arguments: mpv gets every track (the selected one shown, `j` switches); ffplay burns in the selected one. */
export function subtitleArgs(player: 'ffplay' | 'mpv', subs: SubtitleFiles | undefined): string[] {
  if (!subs || subs.files.length === 0) return [];
  if (player === 'mpv') return ['--rebase-start-time=no', ...subs.files.map((f) => `--sub-file=${f}`), `--sid=${subs.selected + 1}`];
  // The path is a filter option value: escape what the filter syntax gives a meaning to.
  return ['-vf', `subtitles=${subs.files[subs.selected]!.replace(/[\\':,;[\]]/g, '\\$&')}`];
}

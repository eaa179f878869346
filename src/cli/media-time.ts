/**
 * Positions in a video as people type and read them: "125", "2:05", "1:02:05",
 * "2:05.5"; and seeks relative to the playhead: "+10", "-10", "+1:00".
 */

/** Milliseconds of a time written as seconds, M:SS or H:MM:SS; undefined when it is not one. */
export function parseTime(raw: string): number | undefined {
  const parts = raw.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return undefined;
  // Only the seconds may have a fraction, and every field after the first is below 60.
  if (parts.slice(0, -1).some((p) => p.includes('.'))) return undefined;
  if (parts.slice(1).some((p) => Number(p) >= 60)) return undefined;
  return Math.round(parts.reduce((acc, p) => acc * 60 + Number(p), 0) * 1000);
}

/** Where a seek goes: to a position, or by an amount from the playhead. */
export type SeekTarget = { kind: 'absolute'; ms: number } | { kind: 'relative'; ms: number };

/** "2:05" → to 2:05; "+10" / "-10" / "-1:00" → by that much; undefined when neither. */
export function parseSeek(raw: string): SeekTarget | undefined {
  const s = raw.trim();
  const sign = s[0] === '+' ? 1 : s[0] === '-' ? -1 : 0;
  const ms = parseTime(sign ? s.slice(1) : s);
  if (ms === undefined) return undefined;
  return sign ? { kind: 'relative', ms: sign * ms } : { kind: 'absolute', ms };
}

/** 65 000 → "1:05"; 3 725 000 → "1:02:05". */
export function formatTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** One seek-bar thumbnail: where it applies (seconds) and its tile in the sprite. */
export interface ThumbnailCue {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

function seconds(t: string): number {
  const p = t.split(':').map(Number);
  return p.length === 3 ? p[0]! * 3600 + p[1]! * 60 + p[2]! : p[0]! * 60 + p[1]!;
}

/**
 * Reads a WebVTT thumbnails file (cues whose text is `sprite.jpg?…#xywh=X,Y,W,H`), resolving each
 * image against the file's own URL. At most `max` cues are kept; malformed cues are skipped.
 */
export function parseThumbnailVtt(text: string, base: string, max = 1000): ThumbnailCue[] {
  const cues: ThumbnailCue[] = [];
  const re = /^((?:\d+:)?\d{2}:\d{2}\.\d{3}) --> ((?:\d+:)?\d{2}:\d{2}\.\d{3})[^\n]*\n([^\n#]+)#xywh=(\d+),(\d+),(\d+),(\d+)\s*$/gm;
  for (const m of text.replace(/\r\n?/g, '\n').matchAll(re)) {
    if (cues.length >= max) break;
    let url: string;
    try {
      url = new URL(m[3]!.trim(), base).href;
    } catch {
      continue;
    }
    cues.push({ start: seconds(m[1]!), end: seconds(m[2]!), url, x: Number(m[4]), y: Number(m[5]), w: Number(m[6]), h: Number(m[7]) });
  }
  return cues;
}

/** The cue that holds `time` (seconds), else the nearest before it. */
export function thumbnailAt(cues: readonly ThumbnailCue[], time: number): ThumbnailCue | undefined {
  let found: ThumbnailCue | undefined;
  for (const c of cues) {
    if (c.start > time) break;
    found = c;
  }
  return found ?? cues[0];
}

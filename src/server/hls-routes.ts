import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMediaError, type MediaLibrary, type TitleInfo } from '../media/index.js';
import type { HlsTokens } from './hls-token.js';
import { deny, sendBytes, sendText } from './http-replies.js';
import type { Logger } from './logger.js';

/**
 * The HLS URL scheme, in one place: every URL of a title is under /hls/TITLE/ and carries the
 * title's token in `?token=`. Clients get these paths from the server (HlsToken, VideoList).
 */
export const hlsPaths = {
  master: (title: string, token: string) => `${base(title)}/master.m3u8?token=${encodeURIComponent(token)}`,
  poster: (title: string, token: string) => `${base(title)}/poster.jpg?token=${encodeURIComponent(token)}`,
  thumbnails: (title: string, token: string) => `${base(title)}/thumbs.vtt?token=${encodeURIComponent(token)}`,
  subtitle: (title: string, index: number, token: string) => `${base(title)}/subs/${index}.vtt?token=${encodeURIComponent(token)}`,
};

function base(title: string): string {
  return `/hls/${encodeURIComponent(title)}`;
}

const JPEG = 'image/jpeg';
/** One answer for a missing, expired or wrong token, whether or not the title exists. */
const FORBIDDEN = 'missing, expired or wrong token';
const VTT = 'text/vtt; charset=utf-8';

/**
 * GET /hls/TITLE/ + master.m3u8 | HEIGHT/index.m3u8 | HEIGHT/N.ts | poster.jpg | thumbs.vtt | thumbs.jpg
 * | subs/N.m3u8 | subs/N.vtt, each with ?token=…  The title is checked against the catalogue and every
 * other part against a fixed pattern before anything touches the filesystem; the files read are the
 * title's own (the client's path never becomes a file name). A missing or wrong token is 403.
 */
export async function serveHls(
  library: MediaLibrary, tokens: HlsTokens, req: IncomingMessage, res: ServerResponse, url: URL, log: Pick<Logger, 'warn'>,
): Promise<true> {
  const parts = url.pathname.split('/').slice(2);
  if (parts.length < 2 || parts.length > 3) return deny(res, 404, 'not found');
  let titleName: string;
  try {
    titleName = decodeURIComponent(parts[0]!);
  } catch {
    return deny(res, 400, 'bad title');
  }
  const token = url.searchParams.get('token') ?? '';
  // The token is checked before the catalogue (it names the title it is for): without a valid one, a title
  // that exists and one that does not get the same answer, so the library cannot be probed by name.
  if (!tokens.verify(token, titleName)) return deny(res, 403, FORBIDDEN);
  let title: TitleInfo;
  try {
    title = library.resolveTitle(titleName);
  } catch (e) {
    if (isMediaError(e, 'BAD_TITLE')) return deny(res, 400, 'bad title');
    return deny(res, 404, 'unknown title');
  }
  if (title.name !== titleName) return deny(res, 404, 'unknown title'); // file-name aliases are for PLAY, not URLs
  const query = `token=${encodeURIComponent(token)}`;
  try {
    if (parts.length === 2) {
      switch (parts[1]) {
        case 'master.m3u8':
          return sendText(res, library.masterPlaylist(title.name, query));
        case 'poster.jpg':
          return sendBytes(req, res, await library.image(title.name, 'poster'), JPEG);
        case 'thumbs.jpg':
          return sendBytes(req, res, await library.image(title.name, 'thumbnails'), JPEG);
        case 'thumbs.vtt':
          return sendText(res, library.thumbnailsVtt(title.name, `thumbs.jpg?${query}`), VTT);
        default:
          return deny(res, 404, 'not found');
      }
    }
    if (parts[1] === 'subs') {
      const m = /^(\d{1,2})\.(m3u8|vtt)$/.exec(parts[2]!);
      if (!m) return deny(res, 404, 'not found');
      const index = Number(m[1]);
      if (m[2] === 'm3u8') return sendText(res, library.subtitlePlaylist(title.name, index, query));
      return sendText(res, library.subtitleVtt(title.name, index), VTT);
    }
    const height = Number(parts[1]);
    if (!/^\d{2,4}$/.test(parts[1]!) || !title.renditions.some((r) => r.height === height)) return deny(res, 404, 'no such rendition');
    if (parts[2] === 'index.m3u8') return sendText(res, library.mediaPlaylist(title.name, height, query));
    const m = /^(\d{1,6})\.ts$/.exec(parts[2]!);
    if (!m) return deny(res, 404, 'not found');
    const index = Number(m[1]);
    if (index >= title.segmentsAvailable && title.state !== 'ready') return deny(res, 404, 'segment not ready yet');
    return sendBytes(req, res, await library.readSegment(title.name, height, index), 'video/mp2t');
  } catch (e) {
    // Asked for something this title does not have (yet): a poster still being made, a subtitle index too high.
    if (isMediaError(e)) return deny(res, 404, 'not found');
    // A file the catalogue promised is gone (a title being transcoded again, or a damaged cache): worth a line.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      log.warn({ title: title.name, file: parts.slice(1).join('/'), err: (e as Error).message }, 'HLS file missing');
      return deny(res, 404, 'not found');
    }
    throw e; // unreadable: a logged 500 (http-routes.ts), never an empty 200

  }
}

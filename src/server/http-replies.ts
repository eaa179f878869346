import type { IncomingMessage, ServerResponse } from 'node:http';

/** A plain-text refusal (never cached). */
export function deny(res: ServerResponse, status: number, message: string): true {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
  res.end(message + '\n');
  return true;
}

/** A text body (playlists, WebVTT), never cached: it carries tokens and changes while transcoding. */
export function sendText(res: ServerResponse, body: string, type = 'application/vnd.apple.mpegurl'): true {
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
  return true;
}

/** Serves bytes with single-range support (players ask for byte ranges). */
export function sendBytes(req: IncomingMessage, res: ServerResponse, data: Uint8Array, type: string): true {
  const size = data.byteLength;
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  let start = 0;
  let end = size - 1;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), size - 1);
    } else {
      start = Math.max(0, size - Number(range[2]));
    }
    if (start > end || start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}` });
      res.end();
      return true;
    }
    res.writeHead(206, {
      'Content-Type': type,
      'Content-Length': end - start + 1,
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'private, max-age=3600',
    });
  } else {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': size, 'Accept-Ranges': 'bytes', 'Cache-Control': 'private, max-age=3600' });
  }
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  writeInChunks(res, data.subarray(start, end + 1));
  return true;
}

/**
 * The piece of a body handed to the socket at a time: one TLS record. A TLS socket keeps native
 * buffers as large as its largest write (see FRAGMENT_BYTES in client-connection.ts): 150 unread
 * segments held +56.6 MiB written whole, +25.6 MiB in 64 KiB pieces, nothing measurable in 16 KiB ones.
 */
export const BODY_CHUNK_BYTES = 16 * 1024;

/**
 * Writes `body` a chunk at a time, the next only once the socket drained the last: one write of a
 * whole segment is encrypted at once into buffers the connection keeps until its reader takes them
 * (300 unread segments: +69 MiB). A reader that stops is cut by the drain deadline (outbound-watch.ts).
 */
function writeInChunks(res: ServerResponse, body: Uint8Array): void {
  let offset = 0;
  const next = (): void => {
    while (!res.destroyed && offset < body.byteLength) {
      const end = Math.min(offset + BODY_CHUNK_BYTES, body.byteLength);
      const more = res.write(body.subarray(offset, end));
      offset = end;
      if (!more) {
        res.once('drain', next);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  next();
}

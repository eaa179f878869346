import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream';
import type { Hub } from './hub.js';
import type { Logger } from './logger.js';
import { metricsRefusal } from './metrics-access.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Headers on every HTTP answer: no inline scripts, no framing, no referrer (HLS tokens ride in URLs).
 * connect-src 'self' (which covers wss: to this same host): an injected script cannot send anything elsewhere.
 */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; " +
      "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  );
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

const NOTICE = `<!doctype html><meta charset="utf-8"><title>sealcast</title>
<h1>sealcast</h1><p>This server speaks the sealcast protocol at <code>/ws</code>. Use <code>sealcast connect</code>.</p>`;

/** HTTPS routes: health, metrics, HLS (through the video handler) and the web app's static files. */
export async function handleHttp(hub: Hub, req: IncomingMessage, res: ServerResponse): Promise<void> {
  setSecurityHeaders(res);
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'https://localhost');
  } catch {
    return send(res, 400, 'text/plain', 'bad request\n');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
  if (url.pathname === '/healthz') {
    const problem = hub.shuttingDown ? null : hub.ctx.storageProblem();
    const status = hub.shuttingDown ? 'shutting-down' : problem ? 'unhealthy' : 'ok';
    return send(res, status === 'ok' ? 200 : 503, 'application/json', JSON.stringify({
      status,
      ...(problem ? { problem } : {}),
      connections: hub.connections.size,
      online: hub.onlineCount,
    }));
  }
  if (url.pathname === '/metrics') {
    const refused = metricsRefusal(hub.config, req);
    if (refused) {
      if (refused.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      return send(res, refused.status, 'text/plain', refused.message + '\n');
    }
    return send(res, 200, 'text/plain; version=0.0.4', hub.metrics.render());
  }
  if (url.pathname.startsWith('/hls/')) {
    hub.metrics.inc('hls_requests_total');
    if (hub.video && (await hub.video.serveHttp(req, res, url))) return;
    return send(res, 404, 'text/plain', 'not found\n');
  }
  return serveStatic(hub.config.webRoot, url.pathname, res, hub.log);
}

function serveStatic(root: string | null, pathname: string, res: ServerResponse, log: Pick<Logger, 'warn'>): void {
  if (!root) {
    if (pathname === '/' || pathname === '/index.html') return send(res, 200, MIME['.html']!, NOTICE);
    return send(res, 404, 'text/plain', 'not found\n');
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return send(res, 400, 'text/plain', 'bad request\n');
  }
  if (rel.includes('\0')) return send(res, 400, 'text/plain', 'bad request\n');
  const base = resolve(root);
  const file = normalize(join(base, rel === '/' ? 'index.html' : rel));
  if (!file.startsWith(base + sep)) return send(res, 404, 'text/plain', 'not found\n');
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return send(res, 404, 'text/plain', 'not found\n');
    size = st.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return send(res, 404, 'text/plain', 'not found\n');
    throw e; // unreadable (permissions, I/O): a logged 500, not a "not found" that hides it
  }
  res.writeHead(200, {
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=3600',
  });
  // pipeline, not pipe: a read that fails after the stat (the file replaced by a new build) would
  // otherwise be an unhandled 'error' event, which ends the process.
  pipeline(createReadStream(file), res, (err) => {
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log.warn({ file: rel, err: err.message }, 'static file read failed');
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  createPolicy,
  isMediaError,
  MediaLibrary,
  StreamSession,
  type StreamEvent,
  type TitleInfo,
} from '../media/index.js';
import type { ClientFrame, WireErrorName } from '../protocol/index.js';
import type { ClientConnection } from './client-connection.js';
import { HlsTokens } from './hls-token.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { ServerError } from './server-error.js';
import type { ServerConfig } from './server-config.js';
import type { VideoFactory } from './server.js';
import { TokenBucket } from './token-bucket.js';
import type { VideoHandler } from './video-handler.js';

/** Bytes a connection may have queued before the streamer waits: keeps chat frames from queueing behind video. */
const STREAM_QUEUE_BYTES = 512 * 1024;

const MEDIA_ERRORS: Record<string, WireErrorName> = {
  UNKNOWN_TITLE: 'UNKNOWN_TITLE',
  BAD_TITLE: 'BAD_TITLE',
  BAD_POLICY: 'BAD_POLICY',
  NOT_READY: 'NOT_READY',
  TOO_MANY_STREAMS: 'TOO_MANY_STREAMS',
};

function asServerError(e: unknown): never {
  if (isMediaError(e)) throw new ServerError(MEDIA_ERRORS[e.code] ?? 'INTERNAL', e.message);
  throw e;
}

function titleFrame(t: TitleInfo) {
  return {
    name: t.name,
    durationMs: Math.round(t.durationMs),
    renditions: t.renditions,
    state: t.state,
    progress: Math.round(t.progress),
    error: t.error ?? '',
  };
}

interface ConnStreams {
  sessions: Map<number, StreamSession>;
  plays: TokenBucket;
}

/** Video over the socket (list, play with credit, seek, stop) and HLS over HTTPS, token-checked. */
export class VideoService implements VideoHandler {
  private readonly streams = new WeakMap<ClientConnection, ConnStreams>();
  /** Streams running now, across connections (the /metrics gauge). */
  activeStreams = 0;

  constructor(
    readonly library: MediaLibrary,
    private readonly tokens: HlsTokens,
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  private state(conn: ClientConnection): ConnStreams {
    let s = this.streams.get(conn);
    if (!s) {
      const perMinute = this.config.limits.playsPerMinute;
      s = { sessions: new Map(), plays: new TokenBucket(perMinute / 60, perMinute) };
      this.streams.set(conn, s);
    }
    return s;
  }

  async handle(conn: ClientConnection, req: number, body: ClientFrame['body']): Promise<void> {
    switch (body.case) {
      case 'videoListRequest':
        conn.send({ req, body: { case: 'videoList', value: { titles: this.library.list().map(titleFrame) } } });
        return;
      case 'hlsTokenRequest': {
        let title: TitleInfo;
        try {
          title = this.library.resolveTitle(body.value.title);
        } catch (e) {
          asServerError(e);
        }
        const expiresAt = Date.now() + this.config.limits.hlsTokenTtlMs;
        const token = this.tokens.issue(conn.name!, title.name, expiresAt);
        conn.send({
          req,
          body: {
            case: 'hlsToken',
            value: { title: title.name, token, expiresAt: BigInt(expiresAt), path: `/hls/${encodeURIComponent(title.name)}/master.m3u8?token=${token}` },
          },
        });
        return;
      }
      case 'play':
        return this.play(conn, req, body.value);
      case 'credit':
        // Absent reports stay absent: "not measured" is not zero.
        this.session(conn, body.value.streamId).credit(body.value.segments, {
          throughputKbps: body.value.throughputKbps,
          bufferMs: body.value.bufferMs,
        });
        return;
      case 'seek':
        this.session(conn, body.value.streamId).seek(body.value.positionMs);
        return;
      case 'stop':
        // A stopped stream stops counting against the per-connection limit at once, not when its end is sent.
        this.session(conn, body.value.streamId).stop();
        this.state(conn).sessions.delete(body.value.streamId);
        return;
      default:
        throw new ServerError('UNKNOWN_FRAME', 'not a video frame');
    }
  }

  private session(conn: ClientConnection, streamId: number): StreamSession {
    const s = this.state(conn).sessions.get(streamId);
    if (!s) throw new ServerError('UNKNOWN_STREAM', `no stream ${streamId} on this connection`);
    return s;
  }

  private play(conn: ClientConnection, req: number, play: Extract<ClientFrame['body'], { case: 'play' }>['value']): void {
    const st = this.state(conn);
    if (!st.plays.take()) {
      this.metrics.inc('dropped_by_limit_total');
      throw new ServerError('TOO_MANY_STREAMS', 'too many PLAY requests; wait a little');
    }
    let title: TitleInfo;
    let policy;
    try {
      title = this.library.resolveTitle(play.title);
      policy = createPolicy(play.policy || 'abr');
    } catch (e) {
      asServerError(e);
    }
    if (title.state === 'failed') throw new ServerError('NOT_READY', `"${title.name}" failed to transcode: ${title.error ?? 'unknown error'}`);
    st.sessions.get(play.streamId)?.stop();
    st.sessions.delete(play.streamId);
    if (st.sessions.size >= this.config.limits.streamsPerConnection) {
      this.metrics.inc('dropped_by_limit_total');
      throw new ServerError('TOO_MANY_STREAMS', `at most ${this.config.limits.streamsPerConnection} streams per connection`);
    }
    const session = new StreamSession({
      library: this.library,
      title,
      streamId: play.streamId,
      policy,
      startMs: play.startMs,
      initialCredit: Math.max(1, play.initialCredit),
      ...(play.startHeight ? { startHeight: play.startHeight } : {}),
      send: (ev) => this.forward(conn, req, ev, session),
      canSend: () => !conn.closed && conn.queuedBytes < STREAM_QUEUE_BYTES,
      logger: this.log,
    });
    st.sessions.set(play.streamId, session);
    this.metrics.inc('streams_started_total');
    this.activeStreams++;
    session.start();
  }

  private forward(conn: ClientConnection, req: number, ev: StreamEvent, session: StreamSession): void {
    switch (ev.type) {
      case 'start':
        conn.send({ req, body: { case: 'streamStart', value: { ...ev, durationMs: Math.round(ev.durationMs) } } });
        return;
      case 'chunk':
        if (ev.offset === 0) this.metrics.inc('segments_sent_total');
        conn.send({ body: { case: 'segmentChunk', value: ev } });
        return;
      case 'end': {
        this.activeStreams--;
        // Only if it is still this session's slot: a PLAY may have reused the stream id since.
        const sessions = this.state(conn).sessions;
        if (sessions.get(ev.streamId) === session) sessions.delete(ev.streamId);
        conn.send({ body: { case: 'streamEnd', value: { streamId: ev.streamId, reason: ev.reason, error: ev.error ?? '' } } });
        return;
      }
    }
  }

  disconnected(conn: ClientConnection): void {
    const st = this.streams.get(conn);
    if (!st) return;
    for (const s of st.sessions.values()) s.stop();
    st.sessions.clear();
  }

  /**
   * GET /hls/TITLE/master.m3u8?token=…, /hls/TITLE/HEIGHT/index.m3u8?token=…,
   * /hls/TITLE/HEIGHT/N.ts?token=…  Title names are checked against the catalogue
   * before anything touches the filesystem; a missing or wrong token is 403.
   */
  async serveHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const parts = url.pathname.split('/').slice(2);
    if (parts.length < 2 || parts.length > 3) return deny(res, 404, 'not found');
    let titleName: string;
    try {
      titleName = decodeURIComponent(parts[0]!);
    } catch {
      return deny(res, 400, 'bad title');
    }
    let title: TitleInfo;
    try {
      title = this.library.resolveTitle(titleName);
    } catch (e) {
      if (isMediaError(e, 'BAD_TITLE')) return deny(res, 400, 'bad title');
      return deny(res, 404, 'unknown title');
    }
    const token = url.searchParams.get('token') ?? '';
    if (!this.tokens.verify(token, title.name)) return deny(res, 403, 'missing, expired or wrong token');
    const query = `token=${encodeURIComponent(token)}`;
    if (parts.length === 2) {
      if (parts[1] !== 'master.m3u8') return deny(res, 404, 'not found');
      return sendText(res, this.library.masterPlaylist(title.name, query));
    }
    const height = Number(parts[1]);
    if (!title.renditions.some((r) => r.height === height)) return deny(res, 404, 'no such rendition');
    if (parts[2] === 'index.m3u8') return sendText(res, this.library.mediaPlaylist(title.name, height, query));
    const m = /^(\d{1,6})\.ts$/.exec(parts[2]!);
    if (!m) return deny(res, 404, 'not found');
    const index = Number(m[1]);
    if (index >= title.segmentsAvailable && title.state !== 'ready') return deny(res, 404, 'segment not ready yet');
    let data: Uint8Array;
    try {
      data = await this.library.readSegment(title.name, height, index);
    } catch {
      return deny(res, 404, 'not found');
    }
    return sendBytes(req, res, data, 'video/mp2t');
  }

  async close(): Promise<void> {
    await this.library.close();
  }
}

function deny(res: ServerResponse, status: number, message: string): true {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
  res.end(message + '\n');
  return true;
}

function sendText(res: ServerResponse, body: string): true {
  res.writeHead(200, {
    'Content-Type': 'application/vnd.apple.mpegurl',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
  return true;
}

/** Serves bytes with single-range support (players ask for byte ranges). */
function sendBytes(req: IncomingMessage, res: ServerResponse, data: Uint8Array, type: string): true {
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
  res.end(data.subarray(start, end + 1));
  return true;
}

/** Builds the video service when the server has a library directory. */
export function createVideoFactory(onProgress?: (p: { name: string; percent: number; speed?: number; done?: boolean; error?: string }) => void): VideoFactory {
  return async ({ config, log, metrics }) => {
    if (!config.videosDir) return undefined;
    const library = new MediaLibrary({
      videosDir: config.videosDir,
      cacheDir: join(config.dataDir, 'media'),
      logger: log,
      generateSampleIfEmpty: config.generateSample,
    });
    if (onProgress) {
      library.on('progress', (p: { name: string; percent: number; speed?: number }) => onProgress(p));
      library.on('ready', (name: string) => onProgress({ name, percent: 100, done: true }));
      library.on('failed', (f: { name: string; error: string }) => onProgress({ name: f.name, percent: 0, done: true, error: f.error }));
    }
    await library.start();
    metrics.gauge('titles', () => library.list().length);
    metrics.gauge('titles_transcoding', () => library.list().filter((t) => t.state === 'transcoding').length);
    metrics.gauge('ingest_progress_percent', () => {
      const busy = library.list().filter((t) => t.state === 'transcoding');
      return busy.length ? busy.reduce((s, t) => s + t.progress, 0) / busy.length : 100;
    });
    const service = new VideoService(library, HlsTokens.fromFile(join(config.dataDir, 'hls-secret')), config, log, metrics);
    metrics.gauge('streams_active', () => service.activeStreams);
    return service;
  };
}

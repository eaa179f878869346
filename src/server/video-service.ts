import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  createPolicy,
  isMediaError,
  MediaLibrary,
  StreamSession,
  type StreamEvent,
  type TitleFailure,
  type TitleInfo,
} from '../media/index.js';
import type { ClientFrame, WireErrorName } from '../protocol/index.js';
import { SqliteWatchStore, type WatchStore } from '../store/index.js';
import type { ClientConnection } from './client-connection.js';
import { HlsTokens } from './hls-token.js';
import { hlsPaths, serveHls } from './hls-routes.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { ServerError } from './server-error.js';
import type { ServerConfig } from './server-config.js';
import type { VideoFactory } from './server.js';
import { TokenBucket } from './token-bucket.js';
import type { VideoHandler } from './video-handler.js';
import { listTokenExpiry, videoTitles } from './video-list-frame.js';

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

interface ConnStreams {
  sessions: Map<number, StreamSession>;
  plays: TokenBucket;
  /** WatchProgress writes: a player reports every few seconds, so 2 a second (burst 10) is plenty. */
  progress: TokenBucket;
}

/** A position within this much of the end counts as watched to the end. */
const FINISHED_WITHIN_MS = 2000;

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
    private readonly watch: WatchStore,
  ) {}

  private state(conn: ClientConnection): ConnStreams {
    let s = this.streams.get(conn);
    if (!s) {
      const perMinute = this.config.limits.playsPerMinute;
      s = { sessions: new Map(), plays: new TokenBucket(perMinute / 60, perMinute), progress: new TokenBucket(2, 10) };
      this.streams.set(conn, s);
    }
    return s;
  }

  async handle(conn: ClientConnection, req: number, body: ClientFrame['body']): Promise<void> {
    switch (body.case) {
      case 'videoListRequest': {
        if (body.value.rescan) this.library.rescanSoon();
        const user = conn.name!;
        const titles = videoTitles(this.library.list(), {
          user,
          admin: this.config.admins.includes(user),
          watch: this.watch.list(user),
          tokens: this.tokens,
          expiresAt: listTokenExpiry(Date.now(), this.config.limits.hlsTokenTtlMs),
        });
        conn.send({ req, body: { case: 'videoList', value: { titles } } });
        return;
      }
      case 'watchProgress':
        return this.progress(conn, body.value);
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
            value: { title: title.name, token, expiresAt: BigInt(expiresAt), path: hlsPaths.master(title.name, token) },
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

  /** A player's resume point: kept per user and title, capped to the title's length. */
  private progress(conn: ClientConnection, p: Extract<ClientFrame['body'], { case: 'watchProgress' }>['value']): void {
    let title: TitleInfo;
    try {
      title = this.library.resolveTitle(p.title);
    } catch (e) {
      asServerError(e);
    }
    if (!this.state(conn).progress.take()) {
      this.metrics.inc('dropped_by_limit_total');
      throw new ServerError('RATE_LIMITED', 'too many WatchProgress frames; one every few seconds is enough');
    }
    const duration = Math.round(title.durationMs);
    const position = Math.min(p.positionMs, duration);
    const finished = p.finished || (duration > 0 && position >= duration - FINISHED_WITHIN_MS);
    this.watch.save(conn.name!, title.name, finished ? 0 : position, finished, Date.now());
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
    if (title.state === 'failed') throw new ServerError('NOT_READY', `"${title.name}" cannot be played: ${title.error ?? 'it failed to transcode'}`);
    // fixed:HEIGHTp means that rung: a title without it is refused, not played at another height.
    const fixed = /^fixed:(\d+)p$/.exec(policy.name);
    if (fixed && title.renditions.length > 0 && !title.renditions.some((r) => r.height === Number(fixed[1]))) {
      throw new ServerError('BAD_POLICY', `"${title.name}" has no ${fixed[1]}p rendition (it has ${title.renditions.map((r) => `${r.height}p`).join(', ')})`);
    }
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

  /** HTTP requests under /hls/ (playlists, segments, posters, thumbnails, subtitles), token-checked. */
  serveHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    return serveHls(this.library, this.tokens, req, res, url, this.log);
  }

  async close(): Promise<void> {
    await this.library.close();
  }
}

/** Builds the video service when the server has a library directory. */
export function createVideoFactory(onProgress?: (p: { name: string; percent: number; speed?: number; done?: boolean; error?: string }) => void): VideoFactory {
  return async ({ config, log, metrics, db }) => {
    if (!config.videosDir) return undefined;
    const library = new MediaLibrary({
      videosDir: config.videosDir,
      cacheDir: join(config.dataDir, 'media'),
      logger: log,
      generateSampleIfEmpty: config.generateSample,
      watch: true,
    });
    if (onProgress) {
      library.on('progress', (p: { name: string; percent: number; speed?: number }) => onProgress(p));
      library.on('ready', (name: string) => onProgress({ name, percent: 100, done: true }));
      library.on('failed', (f: TitleFailure) => {
        if (!f.hidden) onProgress({ name: f.name, percent: 0, done: true, error: f.error });
      });
    }
    await library.start();
    metrics.gauge('titles', () => library.list().length);
    metrics.gauge('titles_transcoding', () => library.list().filter((t) => t.state === 'transcoding').length);
    metrics.gauge('ingest_progress_percent', () => {
      const busy = library.list().filter((t) => t.state === 'transcoding');
      return busy.length ? busy.reduce((s, t) => s + t.progress, 0) / busy.length : 100;
    });
    const service = new VideoService(library, HlsTokens.fromFile(join(config.dataDir, 'hls-secret')), config, log, metrics, new SqliteWatchStore(db));
    metrics.gauge('streams_active', () => service.activeStreams);
    return service;
  };
}

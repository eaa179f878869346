import type { ClientFrameInit, ServerFrame } from '../protocol/index.js';
import { BandwidthEstimator } from './bandwidth-estimator.js';
import { ClientError } from './client-error.js';
import { VideoStream } from './video-stream.js';

/** The video side's view of the connection: a request and a one-way post. */
export interface VideoLink {
  request(frame: ClientFrameInit): Promise<ServerFrame>;
  post(frame: ClientFrameInit): void;
}

/** How a stream starts (see VideoStreams.play). */
export interface PlayOptions {
  policy?: string;
  startMs?: number;
  initialCredit?: number;
  startHeight?: number;
  throttleKbps?: number;
}

/**
 * Video over the client's connection: the library, HLS tokens for standard players, and
 * the streams this connection plays (each a VideoStream that frames are routed to).
 */
export class VideoStreams {
  private readonly streams = new Map<number, VideoStream>();
  /** Throughput of this client's link, measured by its video streams and reported with their credits. */
  private readonly bandwidth = new BandwidthEstimator();
  private nextStreamId = 1;

  constructor(private readonly link: VideoLink) {}

  /** The server's video library; `rescan` asks it to read its directory again first (a Refresh). */
  async listVideos(opts: { rescan?: boolean } = {}) {
    const reply = await this.link.request({ body: { case: 'videoListRequest', value: { rescan: opts.rescan ?? false } } });
    if (reply.body.case !== 'videoList') throw new ClientError('BAD_SERVER_FRAME', 'unexpected answer');
    return reply.body.value.titles;
  }

  /** A short-lived HLS URL path (with its token) for a title, for browsers and standard players. */
  async hlsToken(title: string): Promise<{ path: string; token: string; expiresAt: number }> {
    const reply = await this.link.request({ body: { case: 'hlsTokenRequest', value: { title } } });
    if (reply.body.case !== 'hlsToken') throw new ClientError('BAD_SERVER_FRAME', 'unexpected answer');
    return { path: reply.body.value.path, token: reply.body.value.token, expiresAt: Number(reply.body.value.expiresAt) };
  }

  /**
   * Starts streaming a title over this connection; resolves once the server accepted the PLAY.
   * `startHeight` continues at that rung (a stream reopened after a seek); `throttleKbps`
   * pretends the link is that slow, to watch the server's ABR react.
   */
  async play(title: string, opts: PlayOptions = {}): Promise<VideoStream> {
    const streamId = this.nextStreamId++;
    const initialCredit = opts.initialCredit ?? 3;
    const stream = new VideoStream(streamId, (body) => this.link.post({ body } as ClientFrameInit), {
      initialCredit,
      estimator: this.bandwidth,
      ...(opts.throttleKbps ? { throttleKbps: opts.throttleKbps } : {}),
    });
    this.streams.set(streamId, stream);
    try {
      // The StreamStart answer is routed to the stream like every other stream frame.
      await this.link.request({
        body: {
          case: 'play',
          value: {
            streamId, title, policy: opts.policy ?? 'abr', startMs: Math.round(opts.startMs ?? 0), initialCredit,
            ...(opts.startHeight ? { startHeight: Math.round(opts.startHeight) } : {}),
          },
        },
      });
    } catch (e) {
      this.streams.delete(streamId);
      throw e;
    }
    return stream;
  }

  /** Hands a StreamStart, SegmentChunk or StreamEnd to its stream; a stream that ended is forgotten. */
  route(frame: ServerFrame): void {
    const body = frame.body;
    if (body.case !== 'streamStart' && body.case !== 'segmentChunk' && body.case !== 'streamEnd') return;
    this.streams.get(body.value.streamId)?.onFrame(frame);
    if (body.case === 'streamEnd') this.streams.delete(body.value.streamId);
  }
}

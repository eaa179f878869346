// Real-time viewers for the media benchmarks, run as their own process. Each viewer plays one
// title at real speed with a bounded buffer: it starts when its first segment is complete, then
// needs segment k by start + k × segment length (plus any stall so far). Over the socket it
// grants one credit each time a segment has played out (as the CLI player does); over HLS it
// fetches the next segment whenever its buffer has room (as hls.js does).
import { Agent, get } from 'node:https';
import type { WebSocket } from 'ws';
import { generateIdentity } from '../../src/crypto/index.js';
import { decodeServerFrame, encodeClientFrame } from '../../src/protocol/index.js';
import { serveWorker } from '../lib/proc.js';
import { sealcastLogin } from '../lib/sealcast-login.js';
import { pool } from '../relay/adapters.js';

/** A segment later than its play-out time by more than this counts as a stall (timer jitter is not). */
const STALL_TOLERANCE_MS = 50;

export interface ViewerStats {
  startupMs: number;
  stalls: number;
  stalledMs: number;
  received: number;
  bytes: number;
  error?: string;
}

export interface ViewersSpec {
  mode: 'socket' | 'hls';
  count: number;
  segments: number;
  segmentMs: number;
  buffer: number;
  /** socket: server URL (wss://), title and policy. */
  url?: string;
  title?: string;
  policy?: string;
  pin?: string;
  /** hls: https base URL and one path per segment, in order. */
  base?: string;
  paths?: string[];
}

/** The play-out model shared by both transports. */
class Player {
  private start = 0;
  private stalled = 0;
  readonly stats: ViewerStats = { startupMs: NaN, stalls: 0, stalledMs: 0, received: 0, bytes: 0 };
  private readonly t0 = performance.now();

  constructor(private readonly segmentMs: number, private readonly onPlayedOut: (k: number) => void) {}

  /** Segment k (0-based from the start of play) is complete. */
  arrived(k: number, bytes: number): void {
    const now = performance.now();
    this.stats.received++;
    this.stats.bytes += bytes;
    if (k === 0) {
      this.start = now;
      this.stats.startupMs = now - this.t0;
    } else {
      const due = this.start + k * this.segmentMs + this.stalled;
      if (now > due + STALL_TOLERANCE_MS) {
        this.stats.stalls++;
        this.stats.stalledMs += now - due;
        this.stalled += now - due;
      }
    }
    const playedOutAt = this.start + (k + 1) * this.segmentMs + this.stalled;
    setTimeout(() => this.onPlayedOut(k), Math.max(0, playedOutAt - performance.now()));
  }
}

function socketViewer(ws: WebSocket, spec: ViewersSpec): Promise<ViewerStats> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      ws.send(encodeClientFrame({ body: { case: 'stop', value: { streamId: 1 } } }));
      resolve({ ...player.stats, ...(error ? { error } : {}) });
    };
    const player = new Player(spec.segmentMs, (k) => {
      if (!done && k + spec.buffer < spec.segments) ws.send(encodeClientFrame({ body: { case: 'credit', value: { streamId: 1, segments: 1 } } }));
    });
    let first = -1;
    let bytes = 0;
    ws.on('message', (d: Buffer) => {
      const b = decodeServerFrame(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).body;
      if (b.case === 'segmentChunk') {
        bytes += b.value.data.byteLength;
        if (!b.value.lastChunk) return;
        if (first < 0) first = b.value.index;
        player.arrived(b.value.index - first, bytes);
        bytes = 0;
        if (player.stats.received >= spec.segments) finish();
      } else if (b.case === 'streamEnd' && !done) {
        finish(`stream ended early: ${b.value.reason} ${b.value.error}`);
      } else if (b.case === 'error') {
        finish(`${b.value.name}: ${b.value.message}`);
      }
    });
    ws.send(encodeClientFrame({ req: 2, body: { case: 'play', value: { streamId: 1, title: spec.title!, policy: spec.policy ?? 'abr', startMs: 0, initialCredit: spec.buffer } } }));
  });
}

function hlsViewer(spec: ViewersSpec): Promise<ViewerStats> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  return new Promise((resolve) => {
    let next = 0;
    let played = 0;
    let busy = false;
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      agent.destroy();
      resolve({ ...player.stats, ...(error ? { error } : {}) });
    };
    const player = new Player(spec.segmentMs, () => {
      played++;
      pump();
    });
    const pump = () => {
      if (done || busy || next >= spec.segments || next - played >= spec.buffer) return;
      const k = next++;
      busy = true;
      get(spec.base! + spec.paths![k % spec.paths!.length]!, { agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return finish(`HTTP ${res.statusCode}`);
        }
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.byteLength));
        res.on('end', () => {
          busy = false;
          player.arrived(k, bytes);
          if (player.stats.received >= spec.segments) finish();
          else pump();
        });
      }).on('error', (e) => finish(e.message));
    };
    pump();
  });
}

serveWorker({
  /** Logs in (socket mode) then starts every viewer at once; resolves with each viewer's stats. */
  async run(spec: ViewersSpec) {
    if (spec.mode === 'hls') return { viewers: await Promise.all(Array.from({ length: spec.count }, () => hlsViewer(spec))) };
    const prefix = `v${Math.random().toString(36).slice(2, 8)}`;
    const sockets: WebSocket[] = new Array(spec.count);
    await pool(spec.count, 50, async (i) => {
      sockets[i] = await sealcastLogin(spec.url!, `${prefix}${i}`, await generateIdentity(), spec.pin);
    });
    try {
      return { viewers: await Promise.all(sockets.map((ws) => socketViewer(ws, spec))) };
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  },
});

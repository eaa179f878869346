import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { PublicBundle } from '../crypto/verify.js';
import { CLOSE_CODES, encodeServerFrame, WIRE_ERRORS, type ServerFrameInit, type WireErrorName } from '../protocol/index.js';
import type { Session } from './session.js';
import { guarded, stderrSink } from './timer-guard.js';
import { TokenBucket } from './token-bucket.js';
import { holdUntilTurnEnds } from './turn-writes.js';

/**
 * Size of the WebSocket fragments a spread frame goes out in, one per event-loop turn. A TLS
 * socket keeps native buffers as large as the largest write it was handed, for as long as it
 * lives: measured with node:tls, 443 KiB kept per connection after one 400 KB write, 62 KiB
 * after the same bytes in 16 KiB pieces over separate turns. Peer lists (Welcome, Roster) grow
 * with the registry and are spread; video chunks (256 KiB at most) are not, since a turn per
 * fragment held 400 real-time viewers back to 200 in bench media-serving.
 */
export const FRAGMENT_BYTES = 32 * 1024;

/**
 * How a frame goes out. `now`: written at once, on its own (video chunks, whose pacing is their
 * own). `turn`: held with the other frames of this event-loop turn and written with them in one
 * TLS write at the end of it (small messaging frames; see turn-writes.ts). `spread`: a large
 * frame that is not urgent, in fragments over several turns (see FRAGMENT_BYTES).
 */
export type SendMode = 'now' | 'turn' | 'spread';

/** One client's WebSocket and what the server knows of it. */
export class ClientConnection {
  /** Canonical name once logged in. */
  name: string | undefined;
  bundle: PublicBundle | undefined;
  bundleBytes: Uint8Array | undefined;
  /** Account, device and queue of a logged-in connection. */
  session: Session | undefined;
  violations = 0;
  closed = false;
  /** Frames are handled one after another so a client's sends keep their order. */
  private chain: Promise<void> = Promise.resolve();
  private pendingFrames = 0;
  /** Frames waiting behind one that is going out in fragments, and their bytes (with its rest). */
  private readonly behindFragments: { bytes: Uint8Array; mode: SendMode }[] = [];
  private fragmentBytes = 0;
  private fragmenting: { bytes: Uint8Array; offset: number } | undefined;
  readonly messages: TokenBucket;
  readonly frames: TokenBucket;
  readonly connectedAt = Date.now();

  constructor(
    readonly ws: WebSocket,
    /** The TLS socket under `ws`, to hold a turn's writes together. */
    private readonly socket: Duplex,
    readonly address: string,
    readonly nonce: Uint8Array,
    private readonly maxQueuedBytes: number,
    limits: { messagesPerSecond: number; messageBurst: number; framesPerSecond: number },
    private readonly onSlowConsumer: (conn: ClientConnection) => void,
    /** After each frame is queued: the server-wide outbound budget counts it at once. */
    private readonly onQueued: (conn: ClientConnection) => void = () => {},
  ) {
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.frames = new TokenBucket(limits.framesPerSecond, limits.framesPerSecond * 2);
  }

  get authenticated(): boolean {
    return this.name !== undefined;
  }

  /** Bytes queued for this client, not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.ws.bufferedAmount + this.fragmentBytes;
  }

  /**
   * Sends one frame. A client whose queue passes the bound is cut off (4010) rather
   * than letting the server buffer for it without limit; returns false when not sent.
   */
  send(frame: ServerFrameInit): boolean {
    if (this.closed) return false;
    return this.sendEncoded(encodeServerFrame(frame));
  }

  /**
   * Sends a frame already encoded: a frame that goes to many connections (a roster change,
   * a message to everyone) is encoded once, not once per recipient.
   */
  sendEncoded(bytes: Uint8Array, mode: SendMode = 'now'): boolean {
    if (this.closed) return false;
    if (this.queuedBytes > this.maxQueuedBytes) {
      this.cutOff('slow consumer: outgoing queue over its bound');
      return false;
    }
    if (this.fragmenting) {
      // A message's fragments must not be interleaved with other messages: wait behind it.
      this.behindFragments.push({ bytes, mode });
      this.fragmentBytes += bytes.byteLength;
    } else {
      this.write(bytes, mode);
    }
    this.onQueued(this);
    return true;
  }

  /**
   * Closes a client that does not read what it is sent (4010). The close frame waits behind the unread
   * bytes, so such a client usually sees the socket drop instead; it goes 2 s later either way.
   */
  cutOff(reason: string): void {
    if (this.closed) return;
    this.onSlowConsumer(this);
    this.close(CLOSE_CODES.SLOW_CONSUMER, reason);
  }

  private write(bytes: Uint8Array, mode: SendMode): void {
    if (mode === 'turn') holdUntilTurnEnds(this.socket);
    if (mode !== 'spread' || bytes.byteLength <= FRAGMENT_BYTES) {
      this.ws.send(bytes);
      return;
    }
    this.fragmenting = { bytes, offset: 0 };
    this.fragmentBytes += bytes.byteLength;
    this.writeFragment();
  }

  /** Sends the next fragment of the message going out, then, once it is whole, what waited behind it. */
  private writeFragment(all = false): void {
    const current = this.fragmenting;
    if (!current) return;
    if (this.closed && !all) {
      // The client went away: nothing more can reach it.
      this.fragmenting = undefined;
      this.behindFragments.length = 0;
      this.fragmentBytes = 0;
      return;
    }
    const { bytes, offset } = current;
    const end = all ? bytes.byteLength : Math.min(offset + FRAGMENT_BYTES, bytes.byteLength);
    this.ws.send(bytes.subarray(offset, end), { binary: true, fin: end === bytes.byteLength });
    this.fragmentBytes -= end - offset;
    current.offset = end;
    if (end < bytes.byteLength) {
      setImmediate(() => this.writeFragment());
      return;
    }
    this.fragmenting = undefined;
    while (!this.fragmenting && this.behindFragments.length > 0) {
      const next = this.behindFragments.shift()!;
      this.fragmentBytes -= next.bytes.byteLength;
      this.write(next.bytes, next.mode);
      if (all) this.writeFragment(true);
    }
  }

  sendError(req: number, code: WireErrorName, message: string, refId?: Uint8Array): void {
    this.send({
      req,
      body: { case: 'error', value: { code: WIRE_ERRORS[code], name: code, message, refId: refId ?? new Uint8Array() } },
    });
  }

  /** Queues work behind the frames already being handled; returns how many are waiting. */
  enqueue(work: () => Promise<void>): number {
    this.pendingFrames++;
    this.chain = this.chain.then(work).finally(() => {
      this.pendingFrames--;
    });
    return this.pendingFrames;
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    // What is queued behind a fragmented message (a shutdown's Reconnect, say) still goes out before the close.
    if (this.fragmenting && this.ws.readyState === this.ws.OPEN) this.writeFragment(true);
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    // A peer that never answers the close handshake must not hold the socket open.
    setTimeout(guarded(stderrSink, () => this.ws.terminate()), 2000).unref();
  }
}

import type { WebSocket } from 'ws';
import type { PublicBundle } from '../crypto/verify.js';
import { CLOSE_CODES, encodeServerFrame, WIRE_ERRORS, type ServerFrameInit, type WireErrorName } from '../protocol/index.js';
import { TokenBucket } from './token-bucket.js';

/** One client's WebSocket and what the server knows of it. */
export class ClientConnection {
  /** Canonical name once logged in. */
  name: string | undefined;
  bundle: PublicBundle | undefined;
  bundleBytes: Uint8Array | undefined;
  violations = 0;
  closed = false;
  /** Frames are handled one after another so a client's sends keep their order. */
  private chain: Promise<void> = Promise.resolve();
  private pendingFrames = 0;
  readonly messages: TokenBucket;
  readonly frames: TokenBucket;
  readonly connectedAt = Date.now();

  constructor(
    readonly ws: WebSocket,
    readonly address: string,
    readonly nonce: Uint8Array,
    private readonly maxQueuedBytes: number,
    limits: { messagesPerSecond: number; messageBurst: number; framesPerSecond: number },
    private readonly onSlowConsumer: (conn: ClientConnection) => void,
  ) {
    this.messages = new TokenBucket(limits.messagesPerSecond, limits.messageBurst);
    this.frames = new TokenBucket(limits.framesPerSecond, limits.framesPerSecond * 2);
  }

  get authenticated(): boolean {
    return this.name !== undefined;
  }

  /** Bytes queued in the socket, not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.ws.bufferedAmount;
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
  sendEncoded(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    if (this.ws.bufferedAmount > this.maxQueuedBytes) {
      this.onSlowConsumer(this);
      this.close(CLOSE_CODES.SLOW_CONSUMER, 'slow consumer: outgoing queue over its bound');
      return false;
    }
    this.ws.send(bytes);
    return true;
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
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    // A peer that never answers the close handshake must not hold the socket open.
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }
}

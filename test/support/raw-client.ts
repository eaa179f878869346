import { WebSocket } from 'ws';
import {
  decodeServerFrame,
  encodeClientFrame,
  type ClientFrameInit,
  type ServerFrame,
} from '../../src/protocol/index.js';

/**
 * A bare protocol client for tests that must send what a well-behaved client never
 * would: crafted, malformed or forged frames. It speaks real TLS and WebSocket.
 */
export class RawClient {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  private waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  private closeWaiters: ((code: number) => void)[] = [];
  private nextReq = 1;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      let frame: ServerFrame;
      try {
        frame = decodeServerFrame(new Uint8Array(data));
      } catch {
        return;
      }
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const w of this.closeWaiters) w(code);
    });
    ws.on('error', () => {});
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<RawClient> {
    const ws = new WebSocket(url.endsWith('/ws') ? url : `${url}/ws`, { rejectUnauthorized: false, headers, perMessageDeflate: false });
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  /** The certificate fingerprint this TLS connection saw (SHA-256 of the DER). */
  async peerCertFingerprint(): Promise<Uint8Array> {
    const { createHash } = await import('node:crypto');
    const sock = (this.ws as unknown as { _socket: import('node:tls').TLSSocket })._socket;
    return new Uint8Array(createHash('sha256').update(sock.getPeerCertificate().raw).digest());
  }

  /** Sends a frame and returns the req number used. */
  send(init: ClientFrameInit): number {
    const req = init.req ?? this.nextReq++;
    this.ws.send(encodeClientFrame({ ...init, req }));
    return req;
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.ws.send(bytes);
  }

  waitFor(pred: (f: ServerFrame) => boolean, timeoutMs = 10_000): Promise<ServerFrame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame; got: ' + this.frames.map((f) => f.body.case).join(','))), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Waits for the reply to request `req` (answer or Error). */
  reply(req: number, timeoutMs?: number): Promise<ServerFrame> {
    return this.waitFor((f) => f.req === req, timeoutMs);
  }

  waitClose(timeoutMs = 10_000): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection not closed')), timeoutMs);
      this.closeWaiters.push((code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

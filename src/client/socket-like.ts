import { ClientError } from './client-error.js';

/**
 * The little the client core needs from a WebSocket, so Node (ws, with certificate
 * pinning) and browsers (the WebSocket API) plug in the same way. Handlers are
 * registered once per socket; frames that arrive before `onMessage` is called must
 * be buffered by the adapter (the server's Challenge can come in the same tick as
 * the open event).
 */
export interface SocketLike {
  /** Sends one binary WebSocket message. */
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** Bytes queued but not yet sent (for flow control by callers). */
  readonly bufferedAmount: number;
  onMessage(handler: (data: Uint8Array) => void): void;
  onClose(handler: (code: number, reason: string) => void): void;
}

/**
 * Opens an open, ready socket to a sealcast URL (wss://host:port/ws).
 * `certFingerprint` is the SHA-256 of the server's TLS certificate when the
 * platform can see it (Node); the client then signs that instead of the one the
 * server states, so a man in the middle cannot reuse the login proof.
 */
export type Connector = (url: string) => Promise<{ socket: SocketLike; certFingerprint?: Uint8Array }>;

/** The members of the standard WebSocket API the adapter uses (browsers, Node ≥ 22). */
export interface StandardWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', handler: () => void): void;
  addEventListener(type: 'error', handler: () => void): void;
  addEventListener(type: 'close', handler: (ev: { code: number; reason: string }) => void): void;
  addEventListener(type: 'message', handler: (ev: { data: unknown }) => void): void;
}

/** Wraps an already-open standard WebSocket, buffering frames until the client listens. */
export function adaptWebSocket(ws: StandardWebSocket): SocketLike {
  ws.binaryType = 'arraybuffer';
  let onMessage: ((data: Uint8Array) => void) | undefined;
  let onClose: ((code: number, reason: string) => void) | undefined;
  const early: Uint8Array[] = [];
  let closed: { code: number; reason: string } | undefined;
  ws.addEventListener('message', (ev) => {
    // Text frames are not part of the protocol; hand them on as bytes so the decoder rejects them.
    const bytes = ev.data instanceof ArrayBuffer ? new Uint8Array(ev.data) : new TextEncoder().encode(String(ev.data));
    if (onMessage) onMessage(bytes);
    else early.push(bytes);
  });
  ws.addEventListener('close', (ev) => {
    if (onClose) onClose(ev.code, ev.reason);
    else closed = { code: ev.code, reason: ev.reason };
  });
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    onMessage(handler) {
      onMessage = handler;
      for (const bytes of early.splice(0)) handler(bytes);
    },
    onClose(handler) {
      onClose = handler;
      if (closed) handler(closed.code, closed.reason);
    },
  };
}

/**
 * A Connector on the standard WebSocket API (`globalThis.WebSocket` unless one is
 * given). It cannot see the certificate, so the client signs the fingerprint from
 * the Challenge; the browser's own TLS validation protects the connection.
 */
export function webSocketConnector(WebSocketCtor?: new (url: string) => StandardWebSocket, timeoutMs = 15_000): Connector {
  return (url) =>
    new Promise((resolve, reject) => {
      const Ctor = WebSocketCtor ?? (globalThis as unknown as { WebSocket?: new (url: string) => StandardWebSocket }).WebSocket;
      if (!Ctor) {
        reject(new ClientError('CONNECT_FAILED', 'this platform has no WebSocket'));
        return;
      }
      let settled = false;
      const ws = new Ctor(url);
      const socket = adaptWebSocket(ws);
      const timer = setTimeout(() => fail('the server did not answer in time'), timeoutMs);
      function fail(why: string): void {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          ws.close();
        } catch {
          // already closed
        }
        reject(new ClientError('CONNECT_FAILED', `cannot reach ${url}: ${why}`));
      }
      ws.addEventListener('error', () => fail('connection failed'));
      ws.addEventListener('close', (ev) => fail(`closed (${ev.code})`));
      ws.addEventListener('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ socket });
      });
    });
}

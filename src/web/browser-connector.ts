import { ClientError, type Connector, type SocketLike } from '../client/index.js';

/**
 * Connector on the browser's WebSocket. Browsers validate the certificate themselves
 * and do not expose it, so no fingerprint is returned: the client signs the one the
 * server states in its challenge (docs/SECURITY.md).
 */
export const browserConnector: Connector = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    let onMessage: ((d: Uint8Array) => void) | undefined;
    const early: Uint8Array[] = [];
    ws.onmessage = (ev: MessageEvent<ArrayBuffer>) => {
      const bytes = new Uint8Array(ev.data);
      if (onMessage) onMessage(bytes);
      else early.push(bytes);
    };
    ws.onerror = () => reject(new ClientError('CONNECT_FAILED', 'cannot reach the server'));
    ws.onopen = () => {
      const socket: SocketLike = {
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        onMessage: (h) => {
          onMessage = h;
          for (const b of early.splice(0)) h(b);
        },
        onClose: (h) => {
          ws.onclose = (ev) => h(ev.code, ev.reason);
        },
      };
      resolve({ socket });
    };
  });

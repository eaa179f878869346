import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { ClientError, type Connector, type SocketLike } from '../client/index.js';

/** wss://host:port/ws from what a user types: wss://, https://, with or without /ws. */
export function normalizeUrl(raw: string): { url: string; hostPort: string } {
  let text = raw.trim();
  if (!/^[a-z]+:\/\//i.test(text)) text = `wss://${text}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ClientError('BAD_URL', `not a server address: "${raw}"`);
  }
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'wss:') throw new ClientError('BAD_URL', `sealcast needs TLS: use wss:// or https://, not ${u.protocol}//`);
  if (!u.port) u.port = '8443';
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/ws';
  return { url: u.toString(), hostPort: `${u.hostname}:${u.port}` };
}

/** SHA-256 of a certificate's DER, the form pins are kept in. */
export function certFingerprintHex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/**
 * A Connector on `ws` that pins the server certificate itself: the certificate is
 * checked by `verifyCert` before anything is sent over the socket (the CA check is
 * off because self-signed certificates are the normal case; the pin replaces it).
 */
export function nodeConnector(verifyCert: (fingerprintHex: string) => void): Connector {
  return (url) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { rejectUnauthorized: false, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024, handshakeTimeout: 15_000 });
      ws.binaryType = 'nodebuffer';
      let fingerprint: Uint8Array | undefined;
      ws.once('upgrade', (res) => {
        const tls = res.socket as TLSSocket;
        const raw = tls.getPeerCertificate?.()?.raw;
        if (!raw) {
          ws.terminate();
          reject(new ClientError('CERT_CHANGED', 'the server presented no certificate'));
          return;
        }
        const hex = certFingerprintHex(raw);
        try {
          verifyCert(hex);
        } catch (e) {
          ws.terminate();
          reject(e);
          return;
        }
        fingerprint = new Uint8Array(Buffer.from(hex, 'hex'));
      });
      ws.once('error', (e) => reject(new ClientError('CONNECT_FAILED', `cannot reach ${url}: ${e.message}`)));
      ws.once('unexpected-response', (_req, res) => reject(new ClientError('CONNECT_FAILED', `server answered HTTP ${res.statusCode}`)));
      // The challenge can arrive in the same tick as 'open': hold frames until the client listens.
      let onMessage: ((data: Uint8Array) => void) | undefined;
      const early: Uint8Array[] = [];
      ws.on('message', (data: Buffer) => {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (onMessage) onMessage(bytes);
        else early.push(bytes);
      });
      ws.once('open', () => {
        const socket: SocketLike = {
          send: (data) => ws.send(data),
          close: (code, reason) => ws.close(code, reason),
          get bufferedAmount() {
            return ws.bufferedAmount;
          },
          onMessage: (handler) => {
            onMessage = handler;
            for (const bytes of early.splice(0)) handler(bytes);
          },
          onClose: (handler) => ws.on('close', (code, reason) => handler(code, reason.toString())),
        };
        ws.on('error', () => {});
        resolve({ socket, certFingerprint: fingerprint! });
      });
    });
}

import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { ClientError, type Connector, type SocketLike } from '../client/index.js';

/** Port assumed when a server address names none (the server's default). */
export const DEFAULT_PORT = 8443;

/**
 * "http//host:8443", "https:/host", "wss:host": a scheme typed wrong. Taken as a bare host name it
 * became "wss://http:8443//host…" and a confusing connection error; it is a usage error instead.
 */
export function schemeTypo(text: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return false; // a well-formed scheme
  if (/^[a-z0-9.-]+:\d+(\/|$)/i.test(text)) return false; // host:port
  return /^(https?|wss?)(:|\/\/)/i.test(text);
}

/**
 * wss://host:port/ws from what a user types: wss:// or https:// (or a bare
 * host[:port]), with or without the /ws path. An explicit port is always kept
 * (also :443, which the URL parser would otherwise drop as the default); no port
 * means 8443, the server's default. Plain ws:// and http:// are refused.
 */
export function normalizeUrl(raw: string): { url: string; hostPort: string } {
  let text = raw.trim();
  if (schemeTypo(text)) {
    throw new ClientError('BAD_URL', `not a server address: "${raw}" (did you mean ${text.replace(/^[a-z]+[:/]*/i, 'wss://')}?)`);
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `wss://${text}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ClientError('BAD_URL', `not a server address: "${raw}"`);
  }
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'wss:') throw new ClientError('BAD_URL', `sealcast needs TLS: use wss:// or https://, not ${u.protocol}//`);
  if (u.username || u.password) throw new ClientError('BAD_URL', 'a server address carries no user name or password');
  const explicitPort = /^[a-z][a-z0-9+.-]*:\/\/(?:\[[^\]]*\]|[^/:?#]*):(\d+)/i.exec(text)?.[1];
  const port = explicitPort !== undefined ? String(Number(explicitPort)) : String(DEFAULT_PORT);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/ws';
  u.hash = '';
  // The URL class hides a default port; build the string with the port spelled out.
  const url = `wss://${u.hostname}:${port}${u.pathname}${u.search}`;
  return { url, hostPort: `${u.hostname}:${port}` };
}

/** SHA-256 of a certificate's DER, the form pins are kept in. */
export function certFingerprintHex(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

/** What the connector learned of the server certificate before checking it. */
export interface CertificateSeen {
  /** The certificate also validates against the system's certificate authorities for this host. */
  caValidated: boolean;
}

/** Options of nodeConnector. */
export interface NodeConnectorOptions {
  /** WebSocket ping interval (ms) to notice a dead connection; 0 disables. Default 20,000. */
  heartbeatMs?: number;
  /** Handshake timeout (ms); default 15,000. */
  handshakeTimeoutMs?: number;
}

/**
 * A Connector on `ws` that pins the server certificate itself: `verifyCert` sees
 * the SHA-256 of the certificate's DER during the upgrade, before the socket is
 * handed to the client, and throws to refuse it (the CA check is off because
 * self-signed certificates are the normal case; the pin replaces it). A
 * certificate that also validates against a CA is pinned all the same.
 */
export function nodeConnector(
  verifyCert: (fingerprintHex: string, seen: CertificateSeen) => void,
  opts: NodeConnectorOptions = {},
): Connector {
  return (url) =>
    new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      const ws = new WebSocket(url, {
        rejectUnauthorized: false,
        perMessageDeflate: false,
        maxPayload: 4 * 1024 * 1024,
        handshakeTimeout: opts.handshakeTimeoutMs ?? 15_000,
      });
      ws.binaryType = 'nodebuffer';
      let fingerprint: Uint8Array | undefined;
      ws.once('upgrade', (res) => {
        const tls = res.socket as TLSSocket;
        const raw = tls.getPeerCertificate?.()?.raw;
        if (!raw) {
          ws.terminate();
          fail(new ClientError('CERT_CHANGED', 'the server presented no certificate'));
          return;
        }
        const hex = certFingerprintHex(raw);
        try {
          verifyCert(hex, { caValidated: tls.authorized === true });
        } catch (e) {
          ws.terminate();
          fail(e instanceof Error ? e : new ClientError('CERT_CHANGED', String(e)));
          return;
        }
        fingerprint = new Uint8Array(Buffer.from(hex, 'hex'));
      });
      ws.on('error', (e) => fail(new ClientError('CONNECT_FAILED', `cannot reach ${url}: ${e.message}`)));
      ws.once('unexpected-response', (req, res) => {
        fail(new ClientError('CONNECT_FAILED', `${url} answered HTTP ${res.statusCode} instead of opening the socket`));
        req.destroy();
      });
      // The challenge can arrive in the same tick as 'open': hold frames until the client listens.
      let onMessage: ((data: Uint8Array) => void) | undefined;
      const early: Uint8Array[] = [];
      ws.on('message', (data: Buffer) => {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (onMessage) onMessage(bytes);
        else early.push(bytes);
      });
      ws.once('open', () => {
        if (settled || !fingerprint) {
          ws.terminate();
          return;
        }
        settled = true;
        // A ping every interval; no pong by the next one means the path is dead (a laptop
        // that slept, a NAT that forgot us): terminate, so the client sees a close and reconnects.
        let alive = true;
        const heartbeatMs = opts.heartbeatMs ?? 20_000;
        const heartbeat = heartbeatMs > 0
          ? setInterval(() => {
            if (!alive) {
              ws.terminate();
              return;
            }
            alive = false;
            ws.ping();
          }, heartbeatMs)
          : undefined;
        heartbeat?.unref();
        ws.on('pong', () => (alive = true));
        ws.on('close', () => clearInterval(heartbeat));
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
        resolve({ socket, certFingerprint: fingerprint });
      });
    });
}

import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { signLogin, type Identity } from '../../src/crypto/index.js';
import { decodeServerFrame, encodeClientFrame, PROTOCOL_VERSION } from '../../src/protocol/index.js';

/**
 * Opens a WebSocket to a sealcast server and logs in the way every client does: sign the
 * server's challenge with the identity's key, bound to the certificate seen on this TLS
 * connection (checked against `pinHex` when given). Resolves after Welcome, with every
 * listener removed so the caller can attach its own.
 */
export function sealcastLogin(url: string, name: string, identity: Identity, pinHex = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/ws`, { rejectUnauthorized: false, perMessageDeflate: false });
    const fail = (e: Error) => {
      ws.terminate();
      reject(e);
    };
    ws.once('error', fail);
    ws.once('close', (code) => fail(new Error(`closed during login (${code})`)));
    ws.once('open', () => {
      const cert = (ws as unknown as { _socket: TLSSocket })._socket.getPeerCertificate().raw;
      const fp = createHash('sha256').update(cert).digest();
      if (pinHex && fp.toString('hex') !== pinHex) return fail(new Error('server certificate is not the pinned one'));
      ws.on('message', (data: Buffer) => {
        const b = decodeServerFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).body;
        if (b.case === 'challenge') {
          signLogin(identity, b.value.nonce, new Uint8Array(fp), name).then(
            (signature) => ws.send(encodeClientFrame({ req: 1, body: { case: 'login', value: { protocolVersion: PROTOCOL_VERSION, name, bundle: identity.bundle.bytes, signature, client: 'sealcast-bench' } } })),
            (e: Error) => fail(e),
          );
        } else if (b.case === 'welcome') {
          ws.removeAllListeners();
          ws.on('error', () => {});
          resolve(ws);
        } else if (b.case === 'error') {
          fail(new Error(`login refused: ${b.value.name} ${b.value.message}`));
        }
      });
    });
  });
}

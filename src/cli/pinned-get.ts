import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { CliError, EXIT } from './cli-error.js';
import { certFingerprintHex } from './node-connector.js';

/**
 * GET over HTTPS from the server the client is logged in to, trusting exactly the certificate
 * the connection pinned (self-signed is the normal case, so no CA check): a different
 * certificate is refused before any byte of the body is read. The body is bounded by `maxBytes`.
 */
export function pinnedGet(url: string, fingerprintHex: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 15_000 }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new CliError(`${new URL(url).pathname} answered HTTP ${res.statusCode}`, EXIT.FAILED));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (d: Buffer) => {
        size += d.byteLength;
        if (size > maxBytes) {
          req.destroy();
          reject(new CliError(`${new URL(url).pathname} is larger than ${maxBytes} bytes`, EXIT.FAILED));
        } else chunks.push(d);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    req.on('socket', (socket) => {
      (socket as TLSSocket).once('secureConnect', () => {
        const raw = (socket as TLSSocket).getPeerCertificate().raw;
        if (!raw || certFingerprintHex(raw) !== fingerprintHex) {
          req.destroy(new CliError('the server presented another certificate than the pinned one', EXIT.CERT_CHANGED));
        }
      });
    });
    req.on('timeout', () => req.destroy(new CliError(`${new URL(url).pathname}: no answer in 15 s`, EXIT.FAILED)));
    req.on('error', reject);
    req.end();
  });
}

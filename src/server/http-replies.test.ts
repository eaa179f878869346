import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { BODY_CHUNK_BYTES, sendBytes } from './http-replies.js';
import { loadTlsMaterial } from './tls-certificate.js';

test('a large body goes out a chunk at a time: a reader that stops leaves one chunk queued, not the whole body', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-replies-'));
  const tls = await loadTlsMaterial(dir);
  const body = new Uint8Array(randomBytes(24 * 1024 * 1024)); // beyond what loopback's kernel buffers take
  let serverSocket: Socket | undefined;
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    serverSocket = req.socket;
    sendBytes(req, res, body, 'video/mp2t');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const client = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
    await new Promise((r) => client.once('secureConnect', r));
    client.write('GET /seg.ts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const chunks: Buffer[] = [];
    await new Promise((r) => client.once('data', (d: Buffer) => (chunks.push(d), r(undefined))));
    client.pause();
    // Let the server fill whatever the kernel takes; then what the server itself holds is its queue.
    let last = -1;
    while (serverSocket!.writableLength !== last) {
      last = serverSocket!.writableLength;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(last <= 2 * BODY_CHUNK_BYTES, `the server holds ${last} bytes for a reader that stopped (one write of the body held ~${(body.byteLength / 1e6).toFixed(0)} MB)`);
    // Reading again, the body arrives whole and unchanged.
    client.on('data', (d: Buffer) => chunks.push(d));
    client.resume();
    await new Promise((r) => client.once('end', r));
    const raw = Buffer.concat(chunks);
    const received = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    assert.equal(received.byteLength, body.byteLength);
    assert.equal(createHash('sha256').update(received).digest('hex'), createHash('sha256').update(body).digest('hex'));
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

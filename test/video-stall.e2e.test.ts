// A viewer that reads nothing while streaming: the server's stream must wait for the socket, not
// push every segment its credit allows. The title is large enough for that to show: 16 credited
// segments of 720p (about 11 MB) against what the kernel's buffers and the server's 512 KiB stream
// queue hold. Counted at the server (/metrics, asked on a new connection), not guessed from RSS:
// 7 of 16 went out here; with the stream ignoring the socket's queue, all 16 and the test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { runCli } from './support/cli-process.js';
import { makeClip } from './support/media-fixtures.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

test('a viewer that reads nothing: the server stops sending at its stream queue, short of the credit', async (t) => {
  const root = tempDir('sealcast-stall-');
  const videos = join(root, 'videos');
  mkdirSync(videos);
  // One declared rung (long_720p.mp4 is the 720p rendition of "long") at 10 frames/s: a fifth of the
  // transcode of a 24 frame/s ladder, with the same segment sizes (the rung's bitrate sets them).
  makeClip(join(videos, 'long_720p.mp4'), { width: 1280, height: 720, seconds: 40, rate: 10 });
  const server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  t.after(async () => {
    await server.stop();
    removeDir(root);
  });
  const deadline = Date.now() + 240_000;
  for (;;) {
    const r = await runCli(['videos', server.url, '--name', 'lister', '--json'], { home: join(root, 'lister') });
    if (r.stdout.includes('"state":"ready"')) break;
    assert.ok(Date.now() < deadline, 'the title never became ready');
    await new Promise((res) => setTimeout(res, 1000));
  }
  const sent = async () => Number(/^sealcast_segments_sent_total (\d+)$/m.exec(await getText(`${server.httpsUrl}/metrics`))?.[1]);
  const c = await testClient(server.url, 'stalled', { pin: server.fingerprintHex });
  const stream = await c.play('long', { policy: 'fixed:720p', initialCredit: 16 });
  // Stop reading at the TCP level at once: the server's stream must wait, not queue the credit.
  const sockets = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h): h is TLSSocket => (h as TLSSocket)?.encrypted === true);
  for (const s of sockets) s.pause();
  await new Promise((r) => setTimeout(r, 3000));
  const whilePaused = await sent();
  for (const s of sockets) s.resume();
  assert.ok(whilePaused >= 1, 'the stream started');
  assert.ok(whilePaused < 16, `${whilePaused} of 16 credited segments went out to a reader that read nothing`);
  stream.stop();
  await c.close();
});

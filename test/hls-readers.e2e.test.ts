// Readers that ask for HLS segments and never read them (issue 12, item 3), against a real server
// with a real transcode. (The response cap and the drain timeout are in connection-limits.e2e.test.ts:
// a segment this small fits in loopback's kernel buffers, so its response completes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { runCli } from './support/cli-process.js';
import { makeClip } from './support/media-fixtures.js';
import { rssBytes } from './support/proc-memory.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

/** GETs `path` on a raw TLS socket and stops reading after the first bytes; resolves with the status line. */
function unreadGet(port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`));
    s.on('error', () => resolve('error'));
    s.once('data', (d: Buffer) => {
      s.pause();
      resolve(d.subarray(0, 12).toString('latin1'));
    });
  });
}

test('150 unread HLS segments cost no measurable server memory (+56.6 MiB before)', async () => {
  const root = tempDir('sealcast-hls-readers-');
  const videos = join(root, 'videos');
  mkdirSync(videos);
  // 6 s: three 2 s segments (a 4 s clip is cut in 1.33 s ones, which would shrink what the bug costs).
  makeClip(join(videos, 'movie.mp4'), { width: 854, height: 480, seconds: 6 });
  const server = await spawnServer({
    dataDir: join(root, 'data'), videosDir: videos,
    env: { SEALCAST_CONNECTIONS_PER_ADDRESS: '1000' },
  });
  try {
    const deadline = Date.now() + 60_000;
    while (!(await runCli(['videos', server.url, '--name', 'viewer', '--json'], { home: join(root, 'viewer') })).stdout.includes('"state":"ready"')) {
      assert.ok(Date.now() < deadline, 'the clip became ready');
      await new Promise((r) => setTimeout(r, 300));
    }
    const c = await testClient(server.url, 'hlsuser', { pin: server.fingerprintHex });
    const { token } = await c.hlsToken('movie');
    const segment = `/hls/movie/480/0.ts?token=${encodeURIComponent(token)}`;
    await new Promise((r) => setTimeout(r, 500));
    const before = rssBytes(server.proc.pid!);
    const statuses: string[] = [];
    for (let i = 0; i < 150; i++) statuses.push(await unreadGet(server.port, segment));
    assert.deepEqual([...new Set(statuses)], ['HTTP/1.1 200'], 'all 150 served');
    await new Promise((r) => setTimeout(r, 1000));
    const grew = rssBytes(server.proc.pid!) - before;
    // Written whole, each segment left its TLS socket holding buffers of its size: +56.6 MiB. Now
    // what remains is the 150 sockets themselves (about 16 MiB on a loaded machine).
    assert.ok(grew < 28 * 1024 * 1024, `server RSS grew ${(grew / 1048576).toFixed(1)} MiB for 150 unread segments`);
    await c.close();
  } finally {
    await server.kill9();
    removeDir(root);
  }
});

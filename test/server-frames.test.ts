import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startServer, type RunningServer } from '../src/server/index.js';
import { CLOSE_CODES, encodeClientFrame, WIRE_ERRORS } from '../src/protocol/index.js';
import { RawClient } from './support/raw-client.js';
import { rawLogin } from './support/raw-login.js';
import { removeDir, tempDir } from './support/server-process.js';

let server: RunningServer;
let dataDir: string;

before(async () => {
  dataDir = tempDir();
  server = await startServer({
    dataDir,
    port: 0,
    logLevel: 'silent',
    limits: { loginTimeoutMs: 1500, maxFrameBytes: 64 * 1024 } as never,
  });
});

after(async () => {
  await server.close();
  removeDir(dataDir);
});

function errorName(f: { body: { case?: string; value?: unknown } }): string | undefined {
  return f.body.case === 'error' ? (f.body.value as { name: string }).name : undefined;
}

test('the server opens with a challenge carrying a fresh nonce and its certificate fingerprint', async () => {
  const a = await RawClient.connect(server.url);
  const b = await RawClient.connect(server.url);
  const ca = await a.waitFor((f) => f.body.case === 'challenge');
  const cb = await b.waitFor((f) => f.body.case === 'challenge');
  if (ca.body.case !== 'challenge' || cb.body.case !== 'challenge') throw new Error('unreachable');
  assert.equal(ca.body.value.nonce.length, 32);
  assert.notDeepEqual(ca.body.value.nonce, cb.body.value.nonce);
  assert.deepEqual(ca.body.value.certFingerprint, await a.peerCertFingerprint());
  a.close();
  b.close();
});

test('frames before login get NOT_AUTHENTICATED', async () => {
  const c = await RawClient.connect(server.url);
  const req = c.send({ body: { case: 'rosterRequest', value: {} } });
  const reply = await c.reply(req);
  assert.equal(errorName(reply), 'NOT_AUTHENTICATED');
  c.close();
});

test('malformed frames get BAD_FRAME, and repeated violations close with 4001', async () => {
  const c = await RawClient.connect(server.url);
  c.sendRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
  const err = await c.waitFor((f) => f.body.case === 'error');
  assert.equal(errorName(err), 'BAD_FRAME');
  if (err.body.case === 'error') assert.equal(err.body.value.code, WIRE_ERRORS.BAD_FRAME);
  for (let i = 0; i < 5; i++) c.sendRaw(randomBytes(10));
  assert.equal(await c.waitClose(), CLOSE_CODES.PROTOCOL_VIOLATION);
});

test('an oversized frame is answered with FRAME_TOO_LARGE and closed with 1009', async () => {
  const c = await RawClient.connect(server.url);
  c.sendRaw(new Uint8Array(64 * 1024 + 10));
  const err = await c.waitFor((f) => f.body.case === 'error');
  assert.equal(errorName(err), 'FRAME_TOO_LARGE');
  assert.equal(await c.waitClose(), 1009);
  const huge = await RawClient.connect(server.url);
  huge.sendRaw(new Uint8Array(1024 * 1024));
  assert.equal(await huge.waitClose(), 1009, 'a frame far over the limit is cut off by the WebSocket layer');
});

test('a text frame is a protocol violation', async () => {
  const c = await RawClient.connect(server.url);
  c.sendRaw('hello');
  assert.equal(await c.waitClose(), CLOSE_CODES.PROTOCOL_VIOLATION);
});

test('a client that never logs in is closed with 4004', async () => {
  const c = await RawClient.connect(server.url);
  assert.equal(await c.waitClose(5000), CLOSE_CODES.AUTH_TIMEOUT);
});

test('a cross-site Origin is refused; same origin and no origin are allowed', async () => {
  await assert.rejects(RawClient.connect(server.url, { Origin: 'https://evil.example' }), /HTTP 403/);
  const same = await RawClient.connect(server.url, { Origin: `https://127.0.0.1:${server.port}` });
  same.close();
});

test('live fuzz: 100,000 random and mutated frames, before and after login, all processed; the server stays up and other clients are unaffected', async () => {
  // A server whose violation and rate limits are lifted, so every fuzz frame reaches the decoder and handlers.
  const fuzzDir = tempDir();
  const fuzzServer = await startServer({
    dataDir: fuzzDir,
    port: 0,
    logLevel: 'silent',
    limits: { maxViolations: 1e9, framesPerSecond: 1e6 } as never,
  });
  try {
    // Logged in, so the login timeout does not close it however long the fuzz takes on a loaded machine.
    const { client: bystander } = await rawLogin(fuzzServer.url, 'bystander', { timeoutMs: 30_000 });
    const seeds = [
      encodeClientFrame({ req: 1, body: { case: 'send', value: { id: randomBytes(16), to: 'bob', envelope: randomBytes(64) } } }),
      encodeClientFrame({ req: 2, body: { case: 'login', value: { protocolVersion: 1, name: 'x', bundle: randomBytes(80), signature: randomBytes(64) } } }),
      encodeClientFrame({ req: 3, body: { case: 'play', value: { streamId: 1, title: 'a', initialCredit: 2 } } }),
      encodeClientFrame({ req: 4, body: { case: 'ack', value: { id: randomBytes(16) } } }),
      encodeClientFrame({ req: 5, body: { case: 'credit', value: { streamId: 1, segments: 3, throughputKbps: 900, bufferMs: 4000 } } }),
      encodeClientFrame({ req: 6, body: { case: 'seek', value: { streamId: 1, positionMs: 5000 } } }),
      encodeClientFrame({ req: 7, body: { case: 'hlsTokenRequest', value: { title: '../etc' } } }),
      encodeClientFrame({ req: 8, body: { case: 'pendingRequest', value: {} } }),
    ];
    // Retained memory, measured after a full collection (gc is exposed at run time for this).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => (gc(), process.memoryUsage().heapUsed);
    const rss = () => (gc(), process.memoryUsage().rss);
    let heapAfterWarmup = 0;
    let rssAfterWarmup = 0;
    const TOTAL = 100_000;
    const PER_CONNECTION = 5_000;
    for (let sent = 0, n = 0; sent < TOTAL; n++) {
      // Every other connection logs in first, so mutated frames also reach the authenticated handlers.
      const c = n % 2 ? (await rawLogin(fuzzServer.url, `fuzz${n}`, { timeoutMs: 30_000 })).client : await RawClient.connect(fuzzServer.url);
      for (let i = 0; i < PER_CONNECTION; i++, sent++) {
        if (i % 2) c.sendRaw(randomBytes(1 + (i % 200)));
        else {
          const m = Uint8Array.from(seeds[i % seeds.length]!);
          for (let k = 0; k <= i % 3; k++) m[(i * 7 + k * 13) % m.length] ^= 1 + ((i + k) % 255);
          c.sendRaw(m);
        }
      }
      // Barrier: the answer to this ping comes after every frame above was handled.
      const barrier = c.send({ req: 999_999, body: { case: 'ping', value: { ts: 1n } } });
      await c.reply(barrier, 30_000);
      if (c.closeCode === undefined) c.close();
      // Warm-up: the first connection of each kind (plain, logged in) allocates what lives for the process.
      if (n === 1) [heapAfterWarmup, rssAfterWarmup] = [heap(), rss()];
    }
    const m = fuzzServer.hub.metrics.counters;
    assert.ok(m.protocol_errors_total > TOTAL / 4, `decoder rejected ${m.protocol_errors_total} frames`);
    const ping = bystander.send({ body: { case: 'ping', value: { ts: 1n } } });
    assert.equal((await bystander.reply(ping, 30_000)).body.case, 'pong', 'the bystander is still answered');
    assert.equal(bystander.closeCode, undefined, 'and still connected');
    const heapGrowth = heap() - heapAfterWarmup;
    const rssGrowth = rss() - rssAfterWarmup;
    assert.ok(heapGrowth < 8 * 1024 * 1024, `heap grew ${(heapGrowth / 1e6).toFixed(1)} MB over the run`);
    assert.ok(rssGrowth < 48 * 1024 * 1024, `RSS grew ${(rssGrowth / 1e6).toFixed(1)} MB over the run`);
    bystander.close();
  } finally {
    await fuzzServer.close();
    removeDir(fuzzDir);
  }
});

test('an Error reply to a frame refused by its field checks, or for its size, names the frame\'s req', async () => {
  const c = await RawClient.connect(server.url);
  await c.waitFor((f) => f.body.case === 'challenge');
  // Decodes, then fails validation (an id of 3 bytes): the reply used to come back as req 0.
  c.send({ req: 7, body: { case: 'send', value: { id: new Uint8Array(3), to: 'bob', toAll: false, envelope: new Uint8Array(10) } } });
  const bad = await c.waitFor((f) => f.body.case === 'error');
  assert.equal(errorName(bad), 'BAD_FRAME');
  assert.equal(bad.req, 7);
  // Over the frame limit (never decoded): the req is still read from its first bytes.
  c.sendRaw(encodeClientFrame({ req: 9, body: { case: 'send', value: { id: new Uint8Array(16), to: 'bob', toAll: false, envelope: new Uint8Array(64 * 1024) } } }));
  const big = await c.waitFor((f) => errorName(f) === 'FRAME_TOO_LARGE');
  assert.equal(big.req, 9);
  assert.equal(await c.waitClose(), 1009);
});

test('a frame refused by the frame rate limit is answered with its own req', async (t) => {
  // 5 frames a second, 10 at once: the 11th ping is over the limit (the shared server's 200/400 would
  // close the connection for frames in flight first).
  const dir = tempDir();
  const slow = await startServer({ dataDir: dir, port: 0, logLevel: 'silent', limits: { framesPerSecond: 5 } as never });
  t.after(async () => {
    await slow.close();
    removeDir(dir);
  });
  const { client } = await rawLogin(slow.url, 'hasty');
  for (let i = 0; i < 30; i++) client.send({ req: 10_000 + i, body: { case: 'ping', value: { ts: 1n } } });
  const limited = await client.waitFor((f) => errorName(f) === 'RATE_LIMITED');
  assert.ok(limited.req > 10_000 && limited.req < 10_030, `req ${limited.req}`);
  client.close();
});

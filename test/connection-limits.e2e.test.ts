// Slowloris and non-readers against a real server process (issue 12, items 3 and 6): each test opens
// the sockets an attacker would, with the caps set small enough to reach, and asserts the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomId, sealEnvelope, type Identity } from '../src/crypto/index.js';
import { CLOSE_CODES } from '../src/protocol/index.js';
import { RawClient } from './support/raw-client.js';
import { rawLogin } from './support/raw-login.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';
import { socketCrowd } from './support/socket-crowd.js';

async function withServer(env: Record<string, string>, body: (s: ServerProcess) => Promise<void>, opts: { args?: string[] } = {}): Promise<void> {
  const server = await spawnServer({ env, ...(opts.args ? { args: opts.args } : {}) });
  try {
    await body(server);
  } finally {
    await server.stop();
    removeDir(server.dataDir);
  }
}

/** One value from /metrics. */
async function metric(server: ServerProcess, name: string): Promise<number> {
  const { request } = await import('node:https');
  const text = await new Promise<string>((resolve, reject) => {
    request(`${server.httpsUrl}/metrics`, { rejectUnauthorized: false, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
  const m = new RegExp(`^sealcast_${name} (\\d+)`, 'm').exec(text);
  assert.ok(m, `metric ${name} present`);
  return Number(m[1]);
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw TCP socket that never starts TLS; resolves once connected, with when it closed (if it does). */
function silentSocket(port: number, localAddress?: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = tcpConnect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - t0)));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Closed by the server within `ms`? */
async function closedWithin(closed: Promise<number>, ms: number): Promise<boolean> {
  return Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

async function pingRtt(c: RawClient): Promise<number> {
  const t0 = performance.now();
  await c.reply(c.send({ body: { case: 'ping', value: { ts: 1n } } }), 30_000);
  return performance.now() - t0;
}

test('slowloris: silent TCP sockets count per address from accept and are dropped at the TLS handshake deadline', async () => {
  await withServer({ SEALCAST_CONNECTIONS_PER_ADDRESS: '20', SEALCAST_TLS_HANDSHAKE_TIMEOUT_SECONDS: '1' }, async (server) => {
    const silent = await Promise.all(Array.from({ length: 20 }, () => silentSocket(server.port)));
    // Over the cap before any TLS: dropped at once (they used to count only after a WebSocket upgrade).
    const extra = await silentSocket(server.port);
    assert.ok(await closedWithin(extra.closed, 500), 'the 21st TCP connection from one address is dropped at accept');
    // Held 120 s with Node's defaults; now the handshake deadline ends them.
    const lifetimes = await Promise.all(silent.map((s) => Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(Infinity), 5000))])));
    assert.ok(lifetimes.every((ms) => ms < 3000), `silent sockets lived ${Math.max(...lifetimes)} ms (deadline 1 s)`);
    // The count follows the closes: the address may connect again.
    const after = await RawClient.connect(server.url);
    after.close();
    assert.ok((await metric(server, 'connections_refused_total')) >= 1);
  });
});

test('slowloris: TLS done but headers never finished: 408 and closed at the header deadline', async () => {
  await withServer({ SEALCAST_HTTP_HEADERS_TIMEOUT_SECONDS: '1' }, async (server) => {
    const trickle = async (lines: string[]): Promise<{ ms: number; reply: string }> => {
      const t0 = Date.now();
      const s: TLSSocket = tlsConnect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false });
      let reply = '';
      s.setEncoding('utf8').on('data', (d: string) => (reply += d));
      s.on('error', () => {});
      await new Promise((r) => s.once('secureConnect', r));
      // One header line every 300 ms, never the blank line that ends them: the classic slowloris.
      const timer = setInterval(() => lines.length > 0 && !s.destroyed && s.write(lines.shift()!), 300);
      await Promise.race([new Promise((r) => s.once('close', r)), new Promise((r) => setTimeout(r, 8000))]);
      clearInterval(timer);
      s.destroy();
      return { ms: Date.now() - t0, reply };
    };
    const silent = await trickle([]);
    const slow = await trickle(['GET /ws HTTP/1.1\r\n', 'Host: x\r\n', ...Array.from({ length: 30 }, (_, i) => `X-Pad-${i}: y\r\n`)]);
    for (const [what, r] of [['no request', silent], ['trickled headers', slow]] as const) {
      assert.ok(r.ms < 4000, `${what}: closed after ${r.ms} ms (deadline 1 s; Node's default is 60 s)`);
      assert.match(r.reply, /^HTTP\/1\.1 408/, `${what}: answered 408`);
    }
  });
});

test('the global connection cap counts every address from accept; a client already in is still served', async () => {
  await withServer({ SEALCAST_CONNECTIONS_PER_ADDRESS: '20', SEALCAST_MAX_CONNECTIONS: '41' }, async (server) => {
    const bystander = (await rawLogin(server.url, 'bystander')).client; // 1 of 41, from 127.0.0.1
    const held: Socket[] = [];
    for (const local of ['127.0.0.2', '127.0.0.3']) {
      for (let i = 0; i < 20; i++) held.push((await silentSocket(server.port, local)).socket);
    }
    const over = await silentSocket(server.port, '127.0.0.4');
    assert.ok(await closedWithin(over.closed, 500), 'a new address is refused once the server holds its cap');
    assert.ok((await pingRtt(bystander)) < 1000, 'the bystander is served at the cap');
    for (const s of held) s.destroy();
    await until(async () => (await RawClient.connect(server.url).then((c) => (c.close(), true), () => false)), 5000, 'room after the closes');
    bystander.close();
  });
});

test('hundreds of sockets closing at once do not stall the server (bookkeeping is O(1) per close)', async () => {
  await withServer({ SEALCAST_CONNECTIONS_PER_ADDRESS: '1000' }, async (server) => {
    const pinger = (await rawLogin(server.url, 'pinger')).client;
    const ws = await socketCrowd(server.port, 'ws', 300);
    const tcp = await socketCrowd(server.port, 'tcp', 300);
    try {
      assert.equal(ws.opened + tcp.opened, 600);
      const baseline = Math.max(await pingRtt(pinger), await pingRtt(pinger), await pingRtt(pinger));
      let worst = 0;
      const pings = (async () => {
        const end = Date.now() + 1500;
        while (Date.now() < end) {
          worst = Math.max(worst, await pingRtt(pinger));
          await new Promise((r) => setTimeout(r, 10)); // under the frame rate limit
        }
      })();
      await Promise.all([ws.closeAll(), tcp.closeAll()]);
      await pings;
      assert.ok(worst < baseline * 10 + 250, `ping during 600 closes: worst ${worst.toFixed(1)} ms, baseline ${baseline.toFixed(1)} ms`);
      await until(async () => (await metric(server, 'tcp_connections')) <= 2, 5000, 'the closes to be counted');
    } finally {
      ws.kill();
      tcp.kill();
      pinger.close();
    }
  });
});

/** Sends `to` 60 KB messages, 16 at a time, until `bytes` were sent or `enough()`. */
async function flood(from: { client: RawClient; identity: Identity; name: string }, to: { name: string; identity: Identity }, bytes: number, enough: () => Promise<boolean> = async () => false): Promise<void> {
  const plaintext = new Uint8Array(60_000);
  for (let sent = 0; sent < bytes && !(await enough()); sent += 16 * plaintext.byteLength) {
    const replies = [];
    for (let i = 0; i < 16; i++) {
      const id = randomId();
      const envelope = await sealEnvelope({ sender: from.identity, senderName: from.name, recipients: [{ name: to.name, bundle: to.identity.bundle }], id, ts: Date.now(), toAll: false, plaintext });
      replies.push(from.client.reply(from.client.send({ body: { case: 'send', value: { id, to: to.name, envelope } } })));
    }
    for (const reply of await Promise.all(replies)) assert.equal(reply.body.case, 'accepted', 'the sender is served throughout');
    await new Promise((r) => setTimeout(r, 70)); // under the frame rate limit (200 a second)
  }
}

function stopReading(c: RawClient): TLSSocket {
  const socket = (c.ws as unknown as { _socket: TLSSocket })._socket;
  socket.pause();
  return socket;
}

// A window and a per-connection bound far above what is sent, so only the new bounds can stop it.
const UNBOUNDED_QUEUE = {
  SEALCAST_QUEUE_WINDOW_BYTES: String(256 * 1024 * 1024), SEALCAST_MAX_QUEUED_BYTES: String(256 * 1024 * 1024),
  SEALCAST_MESSAGES_PER_SECOND: '1000', SEALCAST_MESSAGE_BURST: '1000',
};

test('a reader that stops reading is cut once its queue has not drained for the drain timeout (4010)', async () => {
  await withServer({ ...UNBOUNDED_QUEUE, SEALCAST_DRAIN_TIMEOUT_SECONDS: '1.5' }, async (server) => {
    const reader = await rawLogin(server.url, 'reader');
    const talker = await rawLogin(server.url, 'talker');
    const socket = stopReading(reader.client);
    // Past what the kernel buffers on loopback, until the server itself holds bytes for the reader.
    await flood({ ...talker, name: 'talker' }, { name: 'reader', identity: reader.identity }, 40e6, async () => (await metric(server, 'outbound_queued_bytes')) > 1_000_000);
    const t0 = Date.now();
    assert.ok((await metric(server, 'outbound_queued_bytes')) > 1_000_000, 'the server holds a queue for the reader');
    // Nothing more is sent: before, nothing ever looked at this queue again and it was held forever.
    await until(async () => (await metric(server, 'slow_consumers_total')) >= 1, 8000, 'the stalled reader to be cut');
    const waited = Date.now() - t0;
    assert.ok(waited < 5000, `cut after ${waited} ms (timeout 1.5 s)`);
    await until(async () => (await metric(server, 'outbound_queued_bytes')) < 100_000, 5000, 'its queue to be released');
    socket.resume();
    const code = await reader.client.waitClose(10_000);
    // The 4010 close frame sits behind the unread bytes: the reader sees it, or the socket drop 2 s later.
    assert.ok(code === CLOSE_CODES.SLOW_CONSUMER || code === 1006, `close code ${code}`);
    talker.client.close();
  });
});

test('outbound budget: many non-readers together stay under the server-wide budget, largest queues cut first', async () => {
  const budget = Number(process.env.TEST_BUDGET ?? 8 * 1024 * 1024);
  await withServer({ ...UNBOUNDED_QUEUE, SEALCAST_MAX_OUTBOUND_BYTES: String(budget), SEALCAST_DRAIN_TIMEOUT_SECONDS: '120' }, async (server) => {
    const talker = await rawLogin(server.url, 'talker');
    const honest = await rawLogin(server.url, 'honest');
    const readers = [];
    for (let i = 0; i < 4; i++) readers.push({ name: `sink${i}`, ...(await rawLogin(server.url, `sink${i}`)) });
    for (const r of readers) stopReading(r.client);
    let peak = 0;
    for (const r of readers) {
      // 10 MB each: past the kernel's buffers (~4 MB on loopback), about 6 MB queued in the server per reader.
      await flood({ ...talker, name: 'talker' }, r, 10e6, async () => {
        peak = Math.max(peak, await metric(server, 'outbound_queued_bytes'));
        return false;
      });
    }
    peak = Math.max(peak, await metric(server, 'outbound_queued_bytes'));
    const cut = await metric(server, 'slow_consumers_total');
    assert.ok(cut >= 1, 'non-readers were cut');
    assert.ok(cut < readers.length, `only the largest queues are cut (${cut} of ${readers.length})`);
    assert.ok(peak <= budget + 100_000, `queued ${peak} bytes at most (budget ${budget}, one frame over at most)`);
    // Someone who reads is still served.
    const got = honest.client.waitFor((f) => f.body.case === 'deliver', 10_000);
    await flood({ ...talker, name: 'talker' }, { name: 'honest', identity: honest.identity }, 1);
    await got;
    for (const r of readers) r.client.ws.terminate();
    talker.client.close();
    honest.client.close();
  });
});

test('HTTP: responses in progress are capped (503), and unread responses are cut at the drain timeout', async () => {
  const web = tempDir('sealcast-web-');
  mkdirSync(web, { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(web, 'big.bin'), new Uint8Array(16 * 1024 * 1024));
  try {
    await withServer({ SEALCAST_MAX_HTTP_RESPONSES: '4', SEALCAST_DRAIN_TIMEOUT_SECONDS: '1.5' }, async (server) => {
      const get = (path: string, read: boolean): Promise<{ socket: TLSSocket; head: Promise<string>; closed: Promise<number> }> => new Promise((resolve) => {
        const t0 = Date.now();
        const socket = tlsConnect({ port: server.port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
          socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
          resolve({ socket, head, closed });
        });
        socket.on('error', () => {});
        const head = new Promise<string>((r) => socket.once('data', (d: Buffer) => {
          r(d.subarray(0, 40).toString('latin1'));
          if (!read) socket.pause();
        }));
        const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - t0)));
      });
      const stuck = await Promise.all(Array.from({ length: 4 }, () => get('/big.bin', false)));
      for (const s of stuck) assert.match(await s.head, /^HTTP\/1\.1 200/);
      const busy = await get('/', true);
      assert.match(await busy.head, /^HTTP\/1\.1 503/, 'a fifth response while four are in progress');
      // The four readers that stopped hold a file stream and buffers each. They cannot see a close while
      // they do not read, so the server's side shows it: room for responses again, within the timeout.
      const t0 = Date.now();
      await until(async () => {
        const probe = await get('/', true);
        const head = await probe.head;
        probe.socket.destroy();
        return /^HTTP\/1\.1 200/.test(head);
      }, 6000, 'the unread responses to be cut (held forever before)');
      assert.ok(Date.now() - t0 < 5000, `cut after ${Date.now() - t0} ms (drain timeout 1.5 s)`);
      // And when they read again, their responses end short: the server dropped them.
      for (const s of stuck) s.socket.resume();
      const lifetimes = await Promise.all(stuck.map((s) => Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(Infinity), 5000))])));
      assert.ok(lifetimes.every((ms) => ms < Infinity), 'the cut connections are closed');
      for (const s of stuck) assert.ok(s.socket.bytesRead < 16 * 1024 * 1024, `a cut response is short (${s.socket.bytesRead} bytes)`);
      busy.socket.destroy();
    }, { args: ['--web-root', web] });
  } finally {
    removeDir(web);
  }
});

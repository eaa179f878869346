// Transport and operations hardening against a real server process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { nextEvent, testClient } from './support/test-client.js';
import { RawClient } from './support/raw-client.js';
import { sealcastBin } from './support/repo-root.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject).end();
  });
}

/** The TLS version a default client negotiates with the server. */
function negotiatedProtocol(port: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getProtocol() ?? '');
      s.end();
    });
    s.on('error', reject);
  });
}

test('TLS 1.3 only; security headers; /healthz and /metrics', async (t) => {
  const server = await spawnServer();
  t.after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });
  const tls12 = await new Promise<string>((resolve) => {
    const s = connect({ host: '127.0.0.1', port: server.port, maxVersion: 'TLSv1.2', rejectUnauthorized: false }, () => resolve('connected'));
    s.on('error', (e) => resolve(`refused: ${e.message}`));
  });
  assert.match(tls12, /^refused/, 'a TLS 1.2 client cannot connect');
  assert.equal(await negotiatedProtocol(server.port), 'TLSv1.3');

  const home = await get(`${server.httpsUrl}/`);
  assert.equal(home.status, 200);
  const csp = String(home.headers['content-security-policy']);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  // Scripts may talk to this server only (the socket is same-origin wss:, which 'self' covers).
  assert.match(csp, /(^|; )connect-src 'self'(;|$)/);
  assert.equal(home.headers['referrer-policy'], 'no-referrer');
  assert.equal(home.headers['x-content-type-options'], 'nosniff');

  const health = await get(`${server.httpsUrl}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).status, 'ok');
  const c = await testClient(server.url, 'metered', { pin: server.fingerprintHex });
  const metrics = await get(`${server.httpsUrl}/metrics`);
  assert.match(metrics.headers['content-type'] as string, /text\/plain/);
  for (const name of ['connections', 'logins_total', 'messages_routed_total', 'messages_stored_total', 'messages_delivered_total', 'dropped_by_limit_total', 'streams_started_total']) {
    assert.match(metrics.body, new RegExp(`^sealcast_${name} \\d+`, 'm'), name);
  }
  assert.match(metrics.body, /^sealcast_logins_total [1-9]/m);
  await c.close();
  assert.equal((await get(`${server.httpsUrl}/nope`)).status, 404);
});

/** Handshake under TLS 1.2 offering one suite only: the negotiated suite, or why it failed. */
function tls12With(port: number, cipher: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', ciphers: cipher, rejectUnauthorized: false }, () => {
      resolve(`${s.getProtocol()} ${s.getCipher().name}`);
      s.end();
    });
    s.on('error', (e) => resolve(`refused: ${e.message}`));
  });
}

test('the opt-in TLS 1.2 mode offers AEAD suites only; TLS 1.3 still works', async (t) => {
  const server = await spawnServer({ args: ['--tls-min-version', 'TLSv1.2'] });
  t.after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });
  // Positive control: the same handshake with a GCM suite succeeds (the certificate is ECDSA).
  assert.equal(await tls12With(server.port, 'ECDHE-ECDSA-AES128-GCM-SHA256'), 'TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256');
  assert.equal(await tls12With(server.port, 'ECDHE-ECDSA-CHACHA20-POLY1305'), 'TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305');
  for (const cbc of ['ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-ECDSA-AES128-SHA']) {
    assert.match(await tls12With(server.port, cbc), /^refused: .*(handshake failure|no shared cipher)/i, cbc);
  }
  assert.equal(await negotiatedProtocol(server.port), 'TLSv1.3');
});

/** The server's log records with message `msg` (JSON lines of --log-file). */
function logRecords(logFile: string, msg: string): Record<string, unknown>[] {
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === msg);
}

test('/metrics: refused to an address not allowed; with SEALCAST_METRICS_TOKEN, only with the bearer token', async (t) => {
  const elsewhere = await spawnServer({ args: ['--metrics-allow', '192.0.2.1'] });
  const tokened = await spawnServer({ env: { SEALCAST_METRICS_TOKEN: 'scrape-me-7' } });
  t.after(async () => {
    for (const s of [elsewhere, tokened]) {
      await s.stop();
      removeDir(s.dataDir);
    }
  });
  const refused = await get(`${elsewhere.httpsUrl}/metrics`);
  assert.equal(refused.status, 403);
  assert.doesNotMatch(refused.body, /sealcast_/);
  assert.equal((await get(`${elsewhere.httpsUrl}/healthz`)).status, 200, '/healthz stays open');

  const none = await get(`${tokened.httpsUrl}/metrics`);
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  assert.equal((await get(`${tokened.httpsUrl}/metrics`, { authorization: 'Bearer scrape-me-8' })).status, 401, 'wrong token');
  const ok = await get(`${tokened.httpsUrl}/metrics`, { authorization: 'Bearer scrape-me-7' });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /^sealcast_connections \d+/m);
});

test('client IP addresses are left out of the logs unless --log-addresses', async (t) => {
  const quiet = await spawnServer();
  const telling = await spawnServer({ args: ['--log-addresses'] });
  t.after(async () => {
    for (const s of [quiet, telling]) {
      await s.kill9();
      removeDir(s.dataDir);
    }
  });
  for (const s of [quiet, telling]) {
    const c = await testClient(s.url, 'located', { pin: s.fingerprintHex });
    await c.close();
    assert.equal(await s.stop(), 0); // flushes the log
  }
  const [q] = logRecords(quiet.logFile, 'logged in');
  const [l] = logRecords(telling.logFile, 'logged in');
  assert.equal(q?.user, 'located');
  assert.equal('address' in q!, false, JSON.stringify(q));
  assert.equal(l?.address, '127.0.0.1', 'positive control: with --log-addresses the address is there');
  assert.ok(!readFileSync(quiet.logFile, 'utf8').includes('127.0.0.1'), 'no record carries it under another name');
});

test('/healthz answers 503 with the reason when the disk is below the free-space watermark', async (t) => {
  // The real statfs of the real disk, against a watermark no disk meets: what a full disk looks like.
  const server = await spawnServer({ env: { SEALCAST_MIN_FREE_DISK_BYTES: String(10 ** 15) } });
  t.after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });
  const health = await get(`${server.httpsUrl}/healthz`);
  assert.equal(health.status, 503);
  const body = JSON.parse(health.body);
  assert.equal(body.status, 'unhealthy');
  assert.match(body.problem, /^disk nearly full: \d+ bytes free for .+, below the 1000000000000000 watermark$/);
});

test('/healthz answers 503 while the database cannot be written (another process holds its write lock), 200 again after', async (t) => {
  const server = await spawnServer();
  t.after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });
  assert.equal((await get(`${server.httpsUrl}/healthz`)).status, 200, 'positive control');
  const { default: Database } = await import('better-sqlite3');
  const holder = new Database(join(server.dataDir, 'sealcast.db'));
  t.after(() => holder.close());
  holder.exec('BEGIN EXCLUSIVE');
  const until = async (status: number) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = await get(`${server.httpsUrl}/healthz`);
      if (r.status === status || Date.now() > deadline) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  const locked = await until(503);
  assert.equal(locked.status, 503);
  assert.match(JSON.parse(locked.body).problem, /^database cannot be written: database is locked/);
  holder.exec('ROLLBACK');
  assert.equal((await until(200)).status, 200);
});

test('SIGTERM: clients are told to reconnect, the server exits within seconds, clients carry on after restart', async (t) => {
  const root = tempDir('sealcast-term-');
  const dataDir = join(root, 'data');
  const { createServer } = await import('node:net');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  let server = await spawnServer({ dataDir, port });
  t.after(async () => {
    await server.kill9();
    removeDir(root);
  });
  const raw = await RawClient.connect(server.url);
  const alice = await testClient(server.url, 'alice', { pin: server.fingerprintHex, autoReconnect: true });
  const bob = await testClient(server.url, 'bob', { pin: server.fingerprintHex, autoReconnect: true });
  const dropped = nextEvent<{ code: number; willReconnect: boolean }>(alice, 'disconnected');
  const t0 = Date.now();
  const code = await server.stop();
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 5000, `exited in ${Date.now() - t0} ms`);
  assert.ok(raw.frames.some((f) => f.body.case === 'reconnect'), 'a Reconnect frame was sent');
  const d = await dropped;
  assert.equal(d.code, 4012);
  assert.equal(d.willReconnect, true);

  // Both listen before the restart: one that reconnected before its listener was set would wait for nothing.
  const back = nextEvent(alice, 'reconnected', () => true, 30_000);
  const bobBack = nextEvent(bob, 'reconnected', () => true, 30_000);
  server = await spawnServer({ dataDir, port });
  await Promise.all([back, bobBack]);
  const got = nextEvent<{ text: string }>(bob, 'message', () => true, 20_000);
  await alice.send('bob', 'after the restart');
  assert.equal((await got).text, 'after the restart');
  await alice.close();
  await bob.close();
  raw.close();
});

test('a corrupted database stops the server at start with a clear error, file untouched', async (t) => {
  const server = await spawnServer();
  const firstExit = await server.stop();
  assert.equal(firstExit, 0, `the first server stopped cleanly (signal ${server.proc.signalCode}):\n${server.stderr()}`);
  t.after(() => removeDir(server.dataDir));
  const db = join(server.dataDir, 'sealcast.db');
  // A clean stop checkpoints the WAL into the main file: the damage below hits the only copy.
  assert.equal(existsSync(`${db}-wal`), false, 'no WAL left after a clean stop');
  const bytes = readFileSync(db);
  for (let i = 200; i < bytes.length; i += 512) bytes[i] ^= 0x5a;
  writeFileSync(db, bytes);
  const child = spawn(process.execPath, [sealcastBin(), 'serve', '--port', '0', '--data', server.dataDir, '--no-video', '--log-level', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A server that starts anyway would run forever: fail instead of hanging.
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(guard);
  assert.equal(exitCode, 1);
  assert.match(stderr, /damaged/);
  assert.ok(stderr.includes(db), 'names the file');
  assert.deepEqual(readFileSync(db), bytes, 'the damaged file is left for recovery');
});

test('a database that cannot be written (another process holds its write lock): the server refuses to start, saying so', async () => {
  const dataDir = tempDir('sealcast-locked-');
  try {
    const first = await spawnServer({ dataDir });
    await first.stop();
    const { default: Database } = await import('better-sqlite3');
    const holder = new Database(join(dataDir, 'sealcast.db'));
    holder.exec('BEGIN EXCLUSIVE');
    try {
      await assert.rejects(spawnServer({ dataDir }), /exited with [1-9]\d*[\s\S]*cannot be written/);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  } finally {
    removeDir(dataDir);
  }
});

// Chaos: clients send while the server is killed (SIGKILL) and restarted at random
// moments. Afterwards every acknowledged message was shown exactly once to its recipient.
// Bounded: 4 clients × 25 messages, 3 kills, 127.0.0.1 only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SealcastClient } from '../src/client/index.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';

const CLIENTS = 4;
const MESSAGES = 25;
const KILLS = 3;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test(`chaos: ${CLIENTS} clients × ${MESSAGES} messages through ${KILLS} server kills`, async (t) => {
  const root = tempDir('sealcast-chaos-');
  const dataDir = join(root, 'data');
  const port = await freePort();
  let server: ServerProcess = await spawnServer({ dataDir, port });
  t.after(async () => {
    await server.kill9();
    removeDir(root);
  });
  const names = Array.from({ length: CLIENTS }, (_, i) => `user${i}`);
  const clients: SealcastClient[] = [];
  for (const name of names) clients.push(await testClient(server.url, name, { pin: server.fingerprintHex, autoReconnect: true }));
  for (const c of clients) await c.refreshRoster();

  const shown = new Map<string, number>(); // message id → times shown to its recipient
  clients.forEach((c) => c.on('message', (m) => shown.set(m.id, (shown.get(m.id) ?? 0) + 1)));
  const acked: { id: string; to: string }[] = [];
  let failed = 0;

  const senders = clients.map(async (c, i) => {
    for (let k = 0; k < MESSAGES; k++) {
      const to = names[(i + 1 + Math.floor(Math.random() * (CLIENTS - 1))) % CLIENTS]!;
      try {
        const r = await c.send(to, `from ${names[i]} #${k}`);
        acked.push({ id: r.id, to });
      } catch {
        failed++;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 40));
    }
  });

  const chaos = (async () => {
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      await server.kill9();
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 500));
      server = await spawnServer({ dataDir, port });
    }
  })();

  await Promise.all([...senders, chaos]);
  // Let redeliveries finish.
  const deadline = Date.now() + 30_000;
  while (acked.some((a) => !shown.has(a.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

  const missing = acked.filter((a) => !shown.has(a.id));
  const twice = [...shown.entries()].filter(([, n]) => n > 1);
  console.log(`chaos: sent ${CLIENTS * MESSAGES}, acknowledged ${acked.length}, failed ${failed}, shown ${shown.size}, missing ${missing.length}, shown twice ${twice.length}, kills ${KILLS}`);
  assert.equal(missing.length, 0, 'every acknowledged message was delivered');
  assert.equal(twice.length, 0, 'no message was shown twice');
  assert.ok(acked.length >= CLIENTS * MESSAGES * 0.9, 'nearly all sends were acknowledged (retried across restarts)');
  await Promise.all(clients.map((c) => c.close()));
});

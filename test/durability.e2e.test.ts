// Store and forward across server restarts: nothing acknowledged is lost, nothing shown twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MemoryStorage } from '../src/client/index.js';
import { generateIdentity } from '../src/crypto/index.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

for (const how of ['graceful', 'kill -9'] as const) {
  test(`offline delivery survives a ${how} restart, in order, exactly once`, async (t) => {
    const root = tempDir('sealcast-durable-');
    const dataDir = join(root, 'data');
    let server = await spawnServer({ dataDir });
    t.after(async () => {
      await server.kill9();
      removeDir(root);
    });
    const pin = server.fingerprintHex;
    const bobId = await generateIdentity();
    const bobStorage = new MemoryStorage();
    const bob = await testClient(server.url, 'bob', { pin, identity: bobId, storage: bobStorage });
    await bob.close(); // bob is registered, then offline
    const alice = await testClient(server.url, 'alice', { pin });
    await alice.refreshRoster();
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await alice.send('bob', `message ${i}`);
      assert.equal(r.stored, 1, 'kept for offline bob');
      sent.push(r.id);
    }
    const pending = await alice.pending();
    assert.deepEqual(pending.map((p) => p.id), sent, 'the sender sees what is still held');
    assert.ok(pending.every((p) => p.to === 'bob' && p.expiresAt > Date.now() + 29 * 24 * 3600 * 1000), 'kept 30 days by default');
    await alice.close();
    if (how === 'graceful') assert.equal(await server.stop(), 0, 'SIGTERM exits 0');
    else await server.kill9();

    server = await spawnServer({ dataDir });
    assert.equal(server.fingerprintHex, pin, 'same certificate after restart');
    const received: { id: string; text: string }[] = [];
    const bobAgain = await testClient(server.url, 'bob', { pin, identity: bobId, storage: bobStorage });
    bobAgain.on('message', (m) => received.push(m));
    const deadline = Date.now() + 15_000;
    while (received.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(received.map((m) => m.text), sent.map((_, i) => `message ${i}`), 'all, in order');
    assert.deepEqual(received.map((m) => m.id), sent);
    await bobAgain.close();

    // Acknowledged by bob: a third start has nothing more for him.
    await server.stop();
    server = await spawnServer({ dataDir });
    const again: string[] = [];
    const bobThird = await testClient(server.url, 'bob', { pin, identity: bobId, storage: bobStorage });
    bobThird.on('message', (m) => again.push(m.id));
    bobThird.on('duplicate', (d) => again.push(`dup:${d.id}`));
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(again, [], 'nothing redelivered after the acks');
    await bobThird.close();
  });
}

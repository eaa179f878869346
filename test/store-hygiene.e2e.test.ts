// What the server leaves on disk: files only the operator can read, and no trace of a delivered
// message in the database file once it is deleted (secure_delete). Real server process, real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { randomId, sealEnvelope, toHex } from '../src/crypto/index.js';
import { nextEvent, testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

test('data directory 0700; database, its WAL, the log file, the TLS key and the instance id 0600', async (t) => {
  const root = tempDir('sealcast-modes-');
  t.after(() => removeDir(root));
  const dataDir = join(root, 'data');
  // As an operator's `mkdir data` leaves it: readable by everyone. The server narrows it.
  mkdirSync(dataDir, { mode: 0o755 });
  assert.equal(modeOf(dataDir), '755');
  const server = await spawnServer({ dataDir });
  t.after(() => server.kill9());
  const c = await testClient(server.url, 'modes', { pin: server.fingerprintHex });
  await c.close();
  assert.equal(modeOf(dataDir), '700', 'data directory');
  assert.equal(modeOf(join(dataDir, 'tls')), '700', 'tls directory');
  const db = join(dataDir, 'sealcast.db');
  assert.ok(existsSync(`${db}-wal`), 'the WAL exists while the server runs');
  for (const f of [db, `${db}-wal`, `${db}-shm`, server.logFile, join(dataDir, 'tls', 'server.key'), join(dataDir, 'instance-id')]) {
    assert.equal(modeOf(f), '600', f);
  }
  assert.equal(await server.stop(), 0);
});

test('a delivered message leaves no bytes of its envelope in the database file (secure_delete)', async (t) => {
  const dataDir = tempDir('sealcast-erase-');
  t.after(() => removeDir(dataDir));
  const dbFile = join(dataDir, 'sealcast.db');
  let server = await spawnServer({ dataDir });
  t.after(() => server.kill9());
  const alice = await testClient(server.url, 'alice', { pin: server.fingerprintHex });
  const bob = await testClient(server.url, 'bob', { pin: server.fingerprintHex });
  await bob.close();
  // Bob is offline: the envelope is stored. Its last 48 bytes (ciphertext and tag) exist nowhere else.
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: alice.identity, senderName: 'alice', recipients: [{ name: 'bob', bundle: bob.identity.bundle }], id, ts: Date.now(), toAll: false,
    plaintext: new TextEncoder().encode('erase me '.repeat(200)),
  });
  const marker = Buffer.from(envelope.subarray(envelope.byteLength - 48));
  const reply = await alice.request({ body: { case: 'send', value: { id, to: 'bob', toAll: false, envelope } } });
  assert.equal(reply.body.case, 'accepted');
  await alice.close();
  // A clean stop checkpoints the WAL into the database file: what is on disk is all in that one file.
  assert.equal(await server.stop(), 0);
  assert.equal(existsSync(`${dbFile}-wal`), false);
  assert.ok(readFileSync(dbFile).includes(marker), 'positive control: the stored envelope is in the file');

  server = await spawnServer({ dataDir });
  const alice2 = await testClient(server.url, 'alice', { pin: server.fingerprintHex, identity: alice.identity });
  const delivered = nextEvent<{ id: string }>(alice2, 'delivered', (d) => d.id === toHex(id));
  const bob2 = await testClient(server.url, 'bob', { pin: server.fingerprintHex, identity: bob.identity });
  await delivered; // bob's ack deleted the stored message
  await bob2.close();
  await alice2.close();
  assert.equal(await server.stop(), 0);
  assert.equal(existsSync(`${dbFile}-wal`), false);
  assert.equal(readFileSync(dbFile).includes(marker), false, 'the deleted envelope\'s bytes were overwritten');
});

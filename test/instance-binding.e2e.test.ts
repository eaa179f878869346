// A registry lost under a live data directory: the database deleted or truncated to zero, or swapped
// for another instance's. Starting anyway would let every name be claimed again beside the old
// certificate (clients' pins still match), so the server refuses, unless `--init`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

/** One run of a server in `dataDir`: a name registered, a clean stop. */
async function runOnce(dataDir: string, name: string): Promise<void> {
  const server = await spawnServer({ dataDir });
  const c = await testClient(server.url, name, { pin: server.fingerprintHex });
  await c.close();
  assert.equal(await server.stop(), 0);
}

function dropDatabase(dataDir: string): void {
  for (const f of ['sealcast.db', 'sealcast.db-wal', 'sealcast.db-shm']) rmSync(join(dataDir, f), { force: true });
}

test('a deleted database beside an earlier run\'s certificate is refused, naming the files and --init; --init starts a fresh registry', async (t) => {
  const root = tempDir('sealcast-instance-');
  t.after(() => removeDir(root));
  const dataDir = join(root, 'data');
  await runOnce(dataDir, 'alice');
  const idFile = join(dataDir, 'instance-id');
  assert.match(readFileSync(idFile, 'utf8'), /^[0-9a-f]{32}\n$/, 'the first start wrote the instance id');

  dropDatabase(dataDir);
  await assert.rejects(
    spawnServer({ dataDir }),
    (e: Error) => {
      assert.match(e.message, /exited with 1 before listening/);
      assert.ok(e.message.includes(`database ${join(dataDir, 'sealcast.db')} does not exist`), e.message);
      assert.ok(e.message.includes(join(dataDir, 'tls', 'server.crt')), 'names the certificate');
      assert.ok(e.message.includes(idFile), 'names the instance file');
      assert.match(e.message, /every name could be claimed again[\s\S]*sealcast serve --init/);
      return true;
    },
  );
  assert.equal(existsSync(join(dataDir, 'sealcast.db')), false, 'a refused start creates no database');

  const fresh = await spawnServer({ dataDir, args: ['--init'] });
  t.after(() => fresh.kill9());
  // A fresh registry: "alice" is free again, on purpose.
  const c = await testClient(fresh.url, 'alice', { pin: fresh.fingerprintHex });
  await c.close();
  assert.equal(await fresh.stop(), 0);
  // Bound again: the next start needs no --init.
  const again = await spawnServer({ dataDir });
  assert.equal(await again.stop(), 0);
});

test('a database truncated to zero bytes is refused the same way', async (t) => {
  const root = tempDir('sealcast-instance-');
  t.after(() => removeDir(root));
  const dataDir = join(root, 'data');
  await runOnce(dataDir, 'bob');
  const db = join(dataDir, 'sealcast.db');
  truncateSync(db, 0);
  rmSync(`${db}-wal`, { force: true });
  await assert.rejects(spawnServer({ dataDir }), new RegExp(`exited with 1 before listening[\\s\\S]*database ${db} is empty \\(zero bytes\\)[\\s\\S]*--init`));
  assert.equal(statSync(db).size, 0, 'the empty file is left as it was');
  const fresh = await spawnServer({ dataDir, args: ['--init'] });
  assert.equal(await fresh.stop(), 0);
});

test('another instance\'s database is refused; a brand-new data directory starts without --init', async (t) => {
  const root = tempDir('sealcast-instance-');
  t.after(() => removeDir(root));
  const one = join(root, 'one');
  const two = join(root, 'two');
  // Brand-new directories (they do not exist yet): both start without --init.
  await runOnce(one, 'carol');
  await runOnce(two, 'dave');
  copyFileSync(join(one, 'sealcast.db'), join(two, 'sealcast.db'));
  await assert.rejects(spawnServer({ dataDir: two }), /exited with 1 before listening[\s\S]*belongs to another sealcast instance/);
});

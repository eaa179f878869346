// A peer's key changes (rotation signed by the old key, or operator reset for a lost key):
// every client that knew the old key is warned and refuses to send until the user accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateIdentity, toHex } from '../src/crypto/index.js';
import { runCli } from './support/cli-process.js';
import { nextEvent, testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

test('rotation and operator reset both warn every client that knew the old key', async (t) => {
  const root = tempDir('sealcast-keys-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  t.after(async () => {
    await server.stop();
    removeDir(root);
  });
  const pin = server.fingerprintHex;
  const alice = await testClient(server.url, 'alice', { pin });
  const bob = await testClient(server.url, 'bob', { pin });
  const carolId = await generateIdentity();
  const carol = await testClient(server.url, 'carol', { pin, identity: carolId });
  await alice.refreshRoster();
  await bob.refreshRoster();
  await carol.refreshRoster();

  // 1. bob rotates: the old key signs the new bundle.
  const oldBob = toHex(bob.identity.bundle.fingerprint);
  const newBobId = await generateIdentity();
  const aliceWarned = nextEvent<{ name: string; previous: string; current: string }>(alice, 'keyChanged', (e) => e.name === 'bob');
  const carolWarned = nextEvent<{ name: string }>(carol, 'keyChanged', (e) => e.name === 'bob');
  await bob.rotateKey(newBobId);
  const warning = await aliceWarned;
  assert.equal(warning.previous, oldBob);
  assert.equal(warning.current, toHex(newBobId.bundle.fingerprint));
  await carolWarned;
  await assert.rejects(alice.send('bob', 'hi'), (e: { code?: string }) => e.code === 'KEY_CHANGED', 'alice refuses to send to bob');
  await assert.rejects(alice.send('all', 'hi all'), (e: { code?: string }) => e.code === 'KEY_CHANGED', 'and to everyone while bob is pending');
  assert.equal(alice.peerList().find((p) => p.name === 'bob')?.trust, 'changed');
  assert.equal(alice.acceptKey('bob'), true);
  const got = nextEvent<{ text: string }>(bob, 'message');
  await alice.send('bob', 'after accepting');
  assert.equal((await got).text, 'after accepting', 'bob reads it with his new key');

  // A rotation not signed by the current key is refused by the server.
  const mallory = await generateIdentity();
  const stranger = await testClient(server.url, 'dave', { pin });
  const fake = await generateIdentity();
  // Sign with a key the server does not know (the identity ring is the core's private state).
  (stranger as unknown as { ring: { rotate(next: typeof mallory): void } }).ring.rotate(mallory);
  await assert.rejects(stranger.rotateKey(fake), (e: { code?: string }) => e.code === 'BAD_ROTATION');
  await stranger.close();

  // 2. carol lost her key: the operator resets the name for her new key, which takes it; the old key is revoked.
  await carol.close();
  const carolNew = await generateIdentity();
  const reset = await runCli(['admin', 'reset-name', 'carol', '--fingerprint', toHex(carolNew.bundle.fingerprint), '--data', server.dataDir], { home: join(root, 'op') });
  assert.equal(reset.code, 0, reset.stderr);
  await assert.rejects(testClient(server.url, 'carol', { pin, identity: carolId }), (e: { code?: string }) => e.code === 'NAME_RESET_PENDING', 'the old key is revoked');
  await assert.rejects(testClient(server.url, 'carol', { pin }), (e: { code?: string }) => e.code === 'NAME_RESET_PENDING', 'and no other key takes the name');
  const aliceWarnedCarol = nextEvent<{ name: string; previous: string }>(alice, 'keyChanged', (e) => e.name === 'carol');
  const bobWarnedCarol = nextEvent<{ name: string }>(bob, 'keyChanged', (e) => e.name === 'carol');
  const newCarol = await testClient(server.url, 'carol', { pin, identity: carolNew });
  assert.equal((await aliceWarnedCarol).previous, toHex(carolId.bundle.fingerprint));
  await bobWarnedCarol;
  await assert.rejects(bob.send('carol', 'hi'), (e: { code?: string }) => e.code === 'KEY_CHANGED');

  // The CLI refuses too, with its documented exit code, and remembers across runs.
  const home = join(root, 'erin');
  const first = await runCli(['send', server.url, '--name', 'erin', '--to', 'bob', 'hello bob'], { home });
  assert.equal(first.code, 0, first.stderr);
  const bobNewer = await generateIdentity();
  await bob.rotateKey(bobNewer);
  const refused = await runCli(['send', server.url, '--name', 'erin', '--to', 'bob', 'hello again'], { home });
  assert.equal(refused.code, 4, `exit code 4 for a changed key: ${refused.stderr}`);
  assert.match(refused.stderr, /key of bob changed/);

  await Promise.all([alice.close(), bob.close(), newCarol.close()]);
});

// `sealcast admin remove` runs in its own process while the server runs: the server must follow,
// not only in its registry cache but in what else it keeps in memory. Before: the removed account's
// queues still counted against the quota of whoever had written to it, and its sessions stayed open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { randomId, sealEnvelope, type Identity } from '../src/crypto/index.js';
import { CLOSE_CODES, type ServerFrame } from '../src/protocol/index.js';
import type { RawClient } from './support/raw-client.js';
import { runCli } from './support/cli-process.js';
import { rawLogin } from './support/raw-login.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

function outcome(f: ServerFrame): string {
  return f.body.case === 'error' ? f.body.value.name : f.body.case ?? 'none';
}

async function send(from: { client: RawClient; identity: Identity }, to: { name: string; identity: Identity }): Promise<string> {
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: from.identity, senderName: 'rmbob', recipients: [{ name: to.name, bundle: to.identity.bundle }], id, ts: Date.now(),
    toAll: false, plaintext: new Uint8Array(randomBytes(1500)),
  });
  return outcome(await from.client.reply(from.client.send({ body: { case: 'send', value: { id, to: to.name, envelope } } })));
}

test('admin remove while the server runs: the quota charged for the removed account\'s mail is released and its sessions are closed', async (t) => {
  // One 1,500-byte message fits a sender's quota, two do not.
  const server = await spawnServer({ env: { SEALCAST_MAX_STORED_BYTES_PER_SENDER: '3000' } });
  t.after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });
  const offline = async (name: string) => {
    const r = await rawLogin(server.url, name);
    r.client.close();
    return { name, identity: r.identity };
  };
  const carol = await offline('rmcarol');
  const dave = await offline('rmdave');
  const alice = await rawLogin(server.url, 'rmalice');
  t.after(() => alice.client.close());
  const bob = await rawLogin(server.url, 'rmbob');
  t.after(() => bob.client.close());
  assert.equal(await send(bob, carol), 'accepted');
  assert.equal(await send(bob, dave), 'QUOTA_EXCEEDED', 'positive control: bob\'s quota is taken by what waits for carol');

  const home = tempDir('sealcast-admin-home-');
  t.after(() => removeDir(home));
  for (const name of ['rmcarol', 'rmalice']) {
    const r = await runCli(['admin', 'remove', name, '--data', server.dataDir], { home });
    assert.equal(r.code, 0, r.stderr);
  }
  // The online account removed is told so (the server looks once a second).
  assert.equal(await alice.client.waitClose(10_000), CLOSE_CODES.DEVICE_REMOVED);
  // The mail that waited for carol went with her: bob's quota is free again.
  const deadline = Date.now() + 10_000;
  let result = await send(bob, dave);
  while (result !== 'accepted' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    result = await send(bob, dave);
  }
  assert.equal(result, 'accepted', 'bob may store mail again once carol\'s queue is gone');
  assert.equal(await send(bob, dave), 'QUOTA_EXCEEDED', 'and his quota still holds for what waits for dave');
});

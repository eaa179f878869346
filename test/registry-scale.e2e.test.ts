// A login costs the same with 100 or 100,000 registered names (issue: "Directory and presence that
// do not grow with the server"). Two real servers on data directories filled beforehand with that
// many accounts (all members of Everyone, as v1 users are); a v2 login's Welcome is compared byte
// for byte in size, and a v1 login's stays bounded by the v1 peer-list cap, far under the frame limit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { toBinary } from '@bufbuild/protobuf';
import { generateIdentity } from '../src/crypto/index.js';
import { ServerFrameSchema } from '../src/protocol/index.js';
import { V1_PEER_LIST_LIMIT } from '../src/server/handlers/login.js';
import { CONVERSATION_KIND, openDatabase, SqliteAccountStore, SqliteConversationStore } from '../src/store/index.js';
import { rawLogin } from './support/raw-login.js';
import { rawLoginV2, TestAccount } from './support/raw-login-v2.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';

const servers: ServerProcess[] = [];
after(async () => {
  for (const s of servers) {
    await s.stop();
    removeDir(s.dataDir);
  }
});

/** A data directory whose database already holds `count` v1 accounts, all in Everyone. */
async function filledDataDir(count: number): Promise<string> {
  const dir = tempDir('sealcast-scale-');
  mkdirSync(dir, { recursive: true });
  const db = openDatabase(join(dir, 'sealcast.db'));
  const accounts = new SqliteAccountStore(db);
  // One real bundle keeps every stored row well-formed; fingerprints differ, as the store requires.
  const bundle = (await generateIdentity()).bundle.bytes;
  const names: { name: string; admin: boolean }[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const name = `user${i}`;
      accounts.create({ name, bundle, fingerprint: new Uint8Array(randomBytes(32)), now: Date.now() });
      names.push({ name, admin: false });
    }
  })();
  new SqliteConversationStore(db).create({
    id: new Uint8Array(randomBytes(16)), kind: CONVERSATION_KIND.everyone, title: 'Everyone', creator: '', members: names, now: Date.now(),
  });
  db.close();
  return dir;
}

async function welcomeSizes(count: number): Promise<{ v2: number; v1: number; v1Peers: number }> {
  const server = await spawnServer({ dataDir: await filledDataDir(count) });
  servers.push(server);
  const account = await TestAccount.create("newcomer");
  const v2 = await rawLoginV2(server.url, account, account.devices[0]!, { deviceList: await account.list() });
  assert.equal(v2.welcome.body.case, 'welcome', `v2 login with ${count} names: ${v2.welcome.body.case} ${v2.welcome.body.case === "error" ? v2.welcome.body.value.message : ""}`);
  v2.client.close();
  const v1 = await rawLogin(server.url, "oldtimer");
  assert.equal(v1.welcome.body.case, 'welcome');
  const v1Peers = v1.welcome.body.case === 'welcome' ? v1.welcome.body.value.peers.length : -1;
  v1.client.close();
  return { v2: toBinary(ServerFrameSchema, v2.welcome).byteLength, v1: toBinary(ServerFrameSchema, v1.welcome).byteLength, v1Peers };
}

test('a v2 Welcome is the same size with 100 and with 100,000 registered names; a v1 Welcome stays bounded', async () => {
  const small = await welcomeSizes(100);
  const large = await welcomeSizes(100_000);
  process.stderr.write(`welcome bytes: v2 ${small.v2} / ${large.v2}; v1 ${small.v1} (${small.v1Peers} peers) / ${large.v1} (${large.v1Peers} peers)\n`);
  // Counters (members of Everyone) differ by a few varint bytes; nothing in it grows with the registry.
  assert.ok(Math.abs(large.v2 - small.v2) <= 4, `v2 Welcome grew from ${small.v2} to ${large.v2} bytes`);
  assert.ok(large.v2 < 1024, `v2 Welcome is ${large.v2} bytes`);
  assert.equal(small.v1Peers, 100);
  assert.equal(large.v1Peers, V1_PEER_LIST_LIMIT, 'a v1 Welcome lists at most the v1 cap of peers');
  assert.ok(large.v1 < 2 * 1024 * 1024 / 4, `v1 Welcome is ${large.v1} bytes, under a quarter of the 2 MiB frame limit`);
});

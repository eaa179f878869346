// Issue 12 item 7: a name registered and never used again expires, against a real server process
// with an expiry of seconds. The attack it answers: a typo in --name (or a squatter) holds a name
// for ever. A name that logged in again, is online, or has mail waiting must stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { randomId, sealEnvelope } from '../src/crypto/index.js';
import type { ServerFrame } from '../src/protocol/index.js';
import { rawLogin } from './support/raw-login.js';
import { rawLoginV2, TestAccount } from './support/raw-login-v2.js';
import { removeDir, spawnServer } from './support/server-process.js';

const EXPIRY_S = 4;

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

async function expiredCount(httpsUrl: string): Promise<number> {
  const m = /^sealcast_unused_names_expired_total (\d+)$/m.exec(await get(`${httpsUrl}/metrics`));
  assert.ok(m, 'the counter is in /metrics');
  return Number(m[1]);
}

function outcome(welcome: ServerFrame): string {
  return welcome.body.case === 'error' ? welcome.body.value.name : welcome.body.case ?? 'none';
}

/** A fresh key's login under `name`: 'welcome' when it took the name, else the error. */
async function freshKeyTakes(url: string, name: string): Promise<string> {
  const { client, welcome } = await rawLogin(url, name);
  client.ws.close();
  return outcome(welcome);
}

test('a name registered and never used again is freed after SEALCAST_UNUSED_NAME_SECONDS; one that logged in again, is online, or has mail waiting stays', async (t) => {
  const server = await spawnServer({ env: { SEALCAST_UNUSED_NAME_SECONDS: String(EXPIRY_S) } });
  t.after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  // Registered and gone: a v1 name and a v2 account (devices, device list).
  const typo = await rawLogin(server.url, 'tpyo');
  assert.equal(outcome(typo.welcome), 'welcome');
  typo.client.ws.close();
  const v2typo = await TestAccount.create('tpyo2');
  const v2 = await rawLoginV2(server.url, v2typo, v2typo.devices[0]!, { deviceList: await v2typo.list() });
  assert.equal(outcome(v2.welcome), 'welcome');
  v2.client.ws.close();
  // Came back once: in use.
  const back = await rawLogin(server.url, 'returner');
  back.client.ws.close();
  const again = await rawLogin(server.url, 'returner', { identity: back.identity });
  assert.equal(outcome(again.welcome), 'welcome');
  // Has mail waiting (from returner: the one online below holds nothing, so only its being online keeps it).
  const holder = await rawLogin(server.url, 'holder');
  holder.client.ws.close();
  const id = randomId();
  const envelope = await sealEnvelope({
    sender: again.identity, senderName: 'returner', recipients: [{ name: 'holder', bundle: holder.identity.bundle }], id, ts: Date.now(),
    toAll: false, plaintext: new Uint8Array(randomBytes(64)),
  });
  const sent = await again.client.reply(again.client.send({ body: { case: 'send', value: { id, to: 'holder', envelope } } }));
  assert.equal(sent.body.case, 'accepted');
  again.client.ws.close();
  // Online all along, since its registration.
  const present = await rawLogin(server.url, 'present');
  t.after(() => present.client.ws.close());
  const registeredBy = Date.now();

  assert.equal(await freshKeyTakes(server.url, 'tpyo'), 'NAME_TAKEN', 'positive control: before the expiry the name is held');

  // Wait on the counter, then past every account's cut-off and two more sweeps (1 s apart).
  const deadline = Date.now() + 30_000;
  while ((await expiredCount(server.httpsUrl)) < 2) {
    assert.ok(Date.now() < deadline, 'the unused names were not freed within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  while (Date.now() < registeredBy + EXPIRY_S * 1000 + 2500) await new Promise((r) => setTimeout(r, 200));
  assert.equal(await expiredCount(server.httpsUrl), 2, 'only the two unused names were freed');

  assert.equal(await freshKeyTakes(server.url, 'tpyo'), 'welcome', 'another key registers the freed v1 name');
  const other = await TestAccount.create('tpyo2');
  const retaken = await rawLoginV2(server.url, other, other.devices[0]!, { deviceList: await other.list() });
  assert.equal(outcome(retaken.welcome), 'welcome', 'another key registers the freed v2 name');
  retaken.client.ws.close();
  const oldKey = await rawLogin(server.url, 'tpyo', { identity: typo.identity });
  assert.equal(outcome(oldKey.welcome), 'NAME_TAKEN', 'the first key no longer holds it');
  oldKey.client.ws.close();
  for (const name of ['returner', 'present', 'holder']) {
    assert.equal(await freshKeyTakes(server.url, name), 'NAME_TAKEN', `"${name}" is in use and stays`);
  }
  // The mail waiting for holder is still there.
  const mail = await rawLogin(server.url, 'holder', { identity: holder.identity });
  t.after(() => mail.client.ws.close());
  const delivered = await mail.client.waitFor((f) => f.body.case === 'deliver');
  assert.equal(delivered.body.case, 'deliver');

  const logged = readFileSync(server.logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg?: string; user?: string })
    .filter((r) => r.msg === 'unused name expired').map((r) => r.user).sort();
  assert.deepEqual(logged, ['tpyo', 'tpyo2'], 'each removal is logged with its name');
});

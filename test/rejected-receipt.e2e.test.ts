// A message its recipient rejects must not look "opened" to its sender (issue 12 item 17): the
// recipient's Ack carries the rejection code, the server passes it on in Delivered, and the
// client core, the CLI and the web app show it. Real server, real TLS, a real browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SealcastClient } from '../src/client/index.js';
import { hasChromium } from './support/browser.js';
import { LineCollector, startCli } from './support/cli-process.js';
import { sendSealedFor } from './support/crafted-send.js';
import { rawLogin } from './support/raw-login.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';
import { nextEvent, testClient } from './support/test-client.js';
import { sendTo, signIn, webRig } from './support/web-app.js';

/** Sends to `to` an envelope sealed for `sealedFor` only: `to` is not among its recipients. */
function misaddressed(sender: SealcastClient, to: string, sealedFor: SealcastClient): Promise<string> {
  return sendSealedFor(sender, to, [{ name: sealedFor.name, bundle: sealedFor.identity.bundle }], 'not for you');
}

test('a rejected message: the sender hears "refused" with the code, online or stored, never "delivered"', async (t) => {
  const root = tempDir('sealcast-refused-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  t.after(async () => {
    await server.stop();
    removeDir(root);
  });
  const alice = await testClient(server.url, 'alice');
  const bob = await testClient(server.url, 'bob');
  const carol = await testClient(server.url, 'carol');
  const delivered: string[] = [];
  alice.on('delivered', (d) => delivered.push(d.id));

  // Bob online: his ack comes back within the server's group-commit window, before Accepted.
  const bobRejected = nextEvent<{ code: string }>(bob, 'rejected');
  const refusedOnline = nextEvent<{ id: string; by: string; code: string }>(alice, 'refused');
  const id1 = await misaddressed(alice, 'bob', carol);
  assert.equal((await bobRejected).code, 'NOT_A_RECIPIENT');
  assert.deepEqual(await refusedOnline, { id: id1, by: 'bob', code: 'NOT_A_RECIPIENT' });

  // Bob offline: the message is stored, and rejected when he logs in again.
  await bob.close();
  const id2 = await misaddressed(alice, 'bob', carol);
  const refusedStored = nextEvent<{ id: string; by: string; code: string }>(alice, 'refused', (r) => r.id === id2);
  const bobAgain = await testClient(server.url, 'bob', { identity: bob.identity });
  assert.deepEqual(await refusedStored, { id: id2, by: 'bob', code: 'NOT_A_RECIPIENT' });

  // The positive control: a message bob can open is "delivered".
  const ok = nextEvent<{ id: string }>(alice, 'delivered');
  const sent = await alice.send('bob', 'this one opens');
  assert.equal((await ok).id, sent.id);
  assert.deepEqual(delivered, [sent.id], 'the rejected ones were never reported delivered');
  for (const c of [alice, bobAgain, carol]) await c.close();
});

test('the CLI and the web app show a rejected message as rejected, not as opened', { skip: !hasChromium && 'chromium not installed' }, async (t) => {
  const rig = await webRig(t, 'sealcast-refused-web-');
  const { server, root } = rig;
  // Bob is a bare protocol client that rejects whatever it gets.
  const bob = await rawLogin(server.url, 'bob');
  const rejectAll = (async () => {
    for (let seen = 0; ; seen++) {
      const frames = bob.client.frames.filter((f) => f.body.case === 'deliver');
      const f = frames[seen] ?? (await bob.client.waitFor((g) => g.body.case === 'deliver' && !frames.includes(g), 60_000));
      if (f.body.case === 'deliver') bob.client.send({ body: { case: 'ack', value: { id: f.body.value.id, rejected: 'BAD_SIGNATURE' } } });
    }
  })();
  rejectAll.catch(() => undefined); // ends when bob's socket closes with the test

  const alice = await rig.open();
  await signIn(alice, 'alice');
  await sendTo(alice, 'bob', 'bob will not read this');
  await alice.page.waitForSelector('#messages li.mine .mark.refused', { timeout: 15_000 });
  const label = await alice.page.getAttribute('#messages li.mine .mark.refused', 'aria-label');
  assert.match(label ?? '', /not read: rejected unread by bob \(BAD_SIGNATURE\)/);
  assert.equal(await alice.page.$('#messages li.mine .mark.delivered'), null);

  const cli = startCli(['connect', server.url, '--name', 'carol'], { home: join(root, 'carol') });
  t.after(() => void cli.kill());
  const out = new LineCollector(cli.stdout!);
  await out.waitFor((l) => l.includes('signed in as'), 30_000);
  cli.stdin!.write('/msg bob hello from the terminal\n');
  const line = await out.waitFor((l) => l.includes('rejected your message'), 20_000);
  assert.match(line, /bob rejected your message [0-9a-f]{8} unread \(BAD_SIGNATURE\)/);
  assert.ok(!out.text().includes('delivered to bob'));
  cli.stdin!.end('/quit\n');
  bob.client.ws.close();
  rig.assertNoConsoleErrors();
});

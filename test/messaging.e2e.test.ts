// Three real clients (CLI processes) against a real server process over TLS on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RosterUpdate_Event } from '../src/protocol/index.js';
import type { SuiteName } from '../src/crypto/index.js';
import { LineCollector, runCli, startCli } from './support/cli-process.js';
import { rawLogin } from './support/raw-login.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

interface JsonMessage {
  id: string;
  from: string;
  to: string;
  text: string;
  ts: number;
  toAll: boolean;
}

function messages(c: LineCollector): JsonMessage[] {
  return c.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JsonMessage);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

async function heapSnapshot(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const snap = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (snap) {
      const path = join(dir, snap);
      // The snapshot is written incrementally: wait until it is a complete JSON document.
      while (Date.now() < deadline) {
        const text = readFileSync(path, 'latin1');
        if (text.length > 0 && text.trimEnd().endsWith('}')) return path;
        await new Promise((r) => setTimeout(r, 300));
      }
      throw new Error('heap snapshot never completed');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no heap snapshot written');
}

for (const suite of ['hpke-x25519-aes128gcm', 'rsa-oaep-3072'] as SuiteName[]) {
  test(`three clients, suite ${suite}: roster, direct, to-all, and the server never holds plaintext`, async (t) => {
    const root = tempDir('sealcast-e2e-');
    const server = await spawnServer({ dataDir: join(root, 'data'), nodeArgs: ['--heapsnapshot-signal=SIGUSR2'] });
    const homes = { alice: join(root, 'alice'), bob: join(root, 'bob'), carol: join(root, 'carol') };
    const children: ReturnType<typeof startCli>[] = [];
    t.after(async () => {
      for (const c of children) c.kill('SIGKILL');
      await server.stop();
      removeDir(root);
    });
    const marker = `MARKER-${randomBytes(12).toString('hex')}`;

    for (const [name, home] of Object.entries(homes)) {
      const r = await runCli(['keygen', '--suite', suite], { home });
      assert.equal(r.code, 0, `keygen ${name}: ${r.stderr}`);
    }

    // An observer sees roster pushes as people come and go.
    const observer = await rawLogin(server.url, 'observer', { suite });
    assert.equal(observer.welcome.body.case, 'welcome');

    const listen = (name: 'bob' | 'carol') => {
      const child = startCli(['listen', server.url, '--name', name, '--json', '--timeout', '120'], { home: homes[name] });
      children.push(child);
      return { child, out: new LineCollector(child.stdout!), err: new LineCollector(child.stderr!) };
    };
    const bob = listen('bob');
    const carol = listen('carol');
    const joined = async (name: string) =>
      observer.client.waitFor(
        (f) => f.body.case === 'rosterUpdates' && f.body.value.updates.some((u) => u.event === RosterUpdate_Event.JOINED && u.peer?.name === name),
        30_000,
      );
    await joined('bob');
    await joined('carol');

    // alice must exist before others can address her; her first send registers her.
    const direct = await runCli(['send', server.url, '--name', 'alice', '--to', 'bob', `${marker} direct to bob`], { home: homes.alice });
    assert.equal(direct.code, 0, direct.stderr);
    const directId = direct.stdout.trim().split(/\s+/).pop()!;
    assert.match(directId, /^[0-9a-f]{32}$/, 'send prints the message id');

    await bob.out.waitFor((l) => l.includes('direct to bob'), 20_000);
    const got = messages(bob.out).find((m) => m.text.includes('direct to bob'))!;
    assert.equal(got.from, 'alice');
    assert.equal(got.to, 'bob');
    assert.equal(got.id, directId);
    assert.equal(got.text, `${marker} direct to bob`);
    assert.ok(Math.abs(got.ts - Date.now()) < 60_000);

    const all = await runCli(['send', server.url, '--name', 'alice', '--to', 'all', `${marker} hello everyone`], { home: homes.alice });
    assert.equal(all.code, 0, all.stderr);
    await bob.out.waitFor((l) => l.includes('hello everyone'), 20_000);
    await carol.out.waitFor((l) => l.includes('hello everyone'), 20_000);
    assert.equal(messages(carol.out).find((m) => m.text.includes('everyone'))!.toAll, true);
    assert.ok(!carol.out.text().includes('direct to bob'), 'carol received nothing readable of the direct message');
    assert.equal(messages(carol.out).length, 1, 'carol got exactly the to-all message');

    // who lists everyone with fingerprints.
    const who = await runCli(['who', server.url, '--name', 'alice', '--json'], { home: homes.alice });
    assert.equal(who.code, 0, who.stderr);
    const whoText = who.stdout;
    for (const n of ['bob', 'carol', 'observer']) assert.ok(whoText.includes(`"${n}"`), `${n} in who: ${whoText}`);

    // Leaving is pushed too.
    carol.child.kill('SIGTERM');
    await observer.client.waitFor(
      (f) => f.body.case === 'rosterUpdates' && f.body.value.updates.some((u) => u.event === RosterUpdate_Event.LEFT && u.peer?.name === 'carol'),
      20_000,
    );

    // The server never saw the plaintext: not in its logs, its files, nor its memory.
    const snapshot = await heapSnapshot(server.proc.pid!, server.dataDir);
    const snapText = readFileSync(snapshot, 'latin1');
    assert.ok(snapText.length > 1_000_000, 'the heap snapshot is real');
    assert.ok(snapText.includes('observer'), 'the snapshot holds strings the server did receive (a user name)');
    assert.ok(!snapText.includes(marker), 'marker absent from the server heap');
    await server.stop();
    assert.ok(existsSync(server.logFile));
    const logText = readFileSync(server.logFile, 'utf8');
    assert.ok(logText.includes('logged in'), 'the log is real');
    for (const file of filesUnder(server.dataDir)) {
      assert.ok(!readFileSync(file, 'latin1').includes(marker), `marker found in ${file}`);
    }
    // …while the clients, who hold the keys, did read it.
    assert.ok(bob.out.text().includes(marker));
    observer.client.close();
  });
}

// The v2 CLI commands as real processes: rooms made, joined, written to and left through MLS,
// devices listed and renamed, and clear usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from './support/cli-process.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

test('CLI rooms: create, invite, send, read, remove; devices list and rename; usage errors', async (t) => {
  const root = tempDir('sealcast-cli-rooms-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  t.after(async () => {
    await server.stop();
    removeDir(root);
  });
  const env = { SEALCAST_URL: server.url, SEALCAST_FINGERPRINT: server.fingerprintHex };
  const as = (name: string) => (args: string[], input?: string) =>
    runCli([...args, '--name', name], { home: join(root, name), env, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  const alice = as('alice');
  const bob = as('bob');
  const ok = (r: { code: number | null; stderr: string }, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}`);

  // bob's one-shot device logs in once, so it has key packages to be invited with.
  const bobDevices = await bob(['devices', '--json']);
  ok(bobDevices, 'bob devices');
  const listed = bobDevices.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; label: string; current: boolean });
  assert.equal(listed.length, 1, 'one device');
  assert.equal(listed[0]!.current, true);
  ok(await bob(['devices', 'rename', listed[0]!.id, 'terminal']), 'rename');
  assert.match((await bob(['devices'])).stdout, /terminal .*\(this\)/, 'renamed and marked');

  const created = await alice(['room', 'create', 'plans', '--invite', 'bob']);
  ok(created, 'create');
  const roomId = /created #plans ([0-9a-f]{32})/.exec(created.stdout)?.[1];
  assert.ok(roomId, created.stdout);

  const bobRooms = await bob(['rooms', '--json']);
  ok(bobRooms, 'bob rooms');
  const room = bobRooms.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; title: string; members: string[] }).find((r) => r.id === roomId);
  assert.ok(room, `bob lists the room: ${bobRooms.stdout}`);
  assert.equal(room.title, 'plans');
  assert.deepEqual(room.members, ['alice', 'bob']);

  ok(await alice(['room', 'send', 'plans', 'meet at noon']), 'send');
  const read = await bob(['room', 'read', roomId, '--json']);
  ok(read, 'read');
  const messages = read.stdout.trim().split('\n').map((l) => JSON.parse(l) as { from: string; text: string });
  assert.deepEqual(messages.map((m) => [m.from, m.text]), [['alice', 'meet at noon']], 'bob reads it');

  // The general send command takes a room too.
  const viaSend = await alice(['send', '--to', '#plans', 'or at one']);
  ok(viaSend, 'send --to #plans');
  assert.match(viaSend.stdout, /^[0-9a-f]{32}\n$/, 'the message id');
  assert.match(viaSend.stderr, /sent to #plans/);
  const readAgain = await bob(['room', 'read', roomId]);
  assert.match(readAgain.stdout, /alice: or at one/);
  const noRoom = await alice(['send', '--to', '#nowhere', 'hi']);
  assert.equal(noRoom.code, 2, noRoom.stderr);
  assert.match(noRoom.stderr, /no room "nowhere".*sealcast rooms/);

  ok(await alice(['room', 'remove', '#plans', 'bob']), 'remove');
  ok(await alice(['room', 'send', 'plans', '-'], 'after bob left\n'), 'send from stdin');
  const after = await bob(['room', 'read', roomId]);
  assert.doesNotMatch(after.stdout, /after bob left/, 'bob cannot read what was sent after his removal');
  assert.ok(!(await bob(['rooms'])).stdout.includes(roomId), 'and the room is gone from his list');

  // Usage errors: exit 2 and a clear line.
  const unknown = await alice(['room', 'send', 'nowhere', 'hi']);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /no room "nowhere"/);
  const missing = await alice(['room', 'invite', 'plans']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /room invite: give ROOM NAME/);
  const noSub = await alice(['room']);
  assert.equal(noSub.code, 2);
  assert.match(noSub.stderr, /give a subcommand/);
  const stranger = await alice(['room', 'invite', 'plans', 'nobody']);
  assert.equal(stranger.code, 2, stranger.stderr);
  assert.match(stranger.stderr, /no user "nobody" is registered/);
  const badDevice = await alice(['devices', 'remove', 'ffff']);
  assert.equal(badDevice.code, 2);
  assert.match(badDevice.stderr, /no device "ffff"/);
});

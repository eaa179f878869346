// The interactive client in a real terminal (tmux): incoming lines appear above the
// prompt and leave what the user is typing intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sealcastBin } from './support/repo-root.js';
import { hasTmux, TmuxServer } from './support/tmux.js';
import { nextEvent, testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

test('sealcast connect under tmux: incoming messages do not disturb typing', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const root = tempDir('sealcast-tmux-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  const session = `sealcast-${randomBytes(4).toString('hex')}`;
  const tmuxServer = new TmuxServer();
  const tmux = (...args: string[]) => tmuxServer.run(...args);
  const screenShows = (name: string, pred: (screen: string) => boolean) => tmuxServer.screenShows(name, pred);
  t.after(async () => {
    tmuxServer.kill();
    await server.stop();
    removeDir(root);
  });
  const bob = await testClient(server.url, 'bob', { pin: server.fingerprintHex });
  const command = `SEALCAST_HOME=${join(root, 'alice')} TERM=xterm-256color ${process.execPath} ${sealcastBin()} connect ${server.url} --name alice`;
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', command);
  await screenShows(session, (s) => s.includes('signed in as alice'));

  tmux('send-keys', '-t', session, '-l', '/msg bob hal');
  await screenShows(session, (s) => s.includes('> /msg bob hal'));
  await bob.refreshRoster();
  await bob.send('alice', 'ping from bob');
  const screen = await screenShows(session, (s) => s.includes('bob: ping from bob'));
  const lines = screen.trimEnd().split('\n');
  assert.match(lines[lines.length - 1]!, /^> \/msg bob hal$/, 'the half-typed line is redrawn under the new message');
  assert.ok(lines.findIndex((l) => l.includes('ping from bob')) < lines.length - 1, 'the message is printed above the prompt');

  const arrived = nextEvent<{ text: string; from: string }>(bob, 'message');
  tmux('send-keys', '-t', session, '-l', 'f done');
  tmux('send-keys', '-t', session, 'Enter');
  const m = await arrived;
  assert.equal(m.text, 'half done');
  assert.equal(m.from, 'alice');

  // Plain text goes to the last peer; /who lists people with fingerprints.
  const second = nextEvent<{ text: string }>(bob, 'message');
  tmux('send-keys', '-t', session, '-l', 'to the last peer');
  tmux('send-keys', '-t', session, 'Enter');
  assert.equal((await second).text, 'to the last peer');
  tmux('send-keys', '-t', session, '-l', '/who');
  tmux('send-keys', '-t', session, 'Enter');
  await screenShows(session, (s) => /bob\s+(\d{5} ){5}\d{5}/.test(s));
  tmux('send-keys', '-t', session, '-l', '/quit');
  tmux('send-keys', '-t', session, 'Enter');
  await bob.close();
});

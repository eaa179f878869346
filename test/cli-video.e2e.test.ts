// Video in the command line, end to end: a real server, real ffmpeg, the real CLI.
// connect's /videos, /play, /seek, /stop with chat alongside (through a pipe, and in a
// terminal under tmux with the picture drawn above the chat), and `play --player
// terminal` drawing 24-bit half blocks and putting the terminal back afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay, rgb, type Cell } from './support/ansi-screen.js';
import { LineCollector, runCli, startCli } from './support/cli-process.js';
import { sealcastBin } from './support/repo-root.js';
import { seedLibrary } from './support/seeded-library.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';
import { nextEvent, testClient } from './support/test-client.js';
import { hasTmux, TmuxServer } from './support/tmux.js';

const HALF_BLOCK = '\u2580';
let server: ServerProcess;
let root: string;
const noTmux = !hasTmux && 'tmux not installed';
const term = hasTmux ? new TmuxServer() : undefined;
const tmux = (...args: string[]) => term!.run(...args);
const screenShows = (session: string, pred: (s: string) => boolean, ms?: number) => term!.screenShows(session, pred, ms);
const paneFormat = (session: string, format: string) => term!.format(session, format);

before(async () => {
  root = tempDir('sealcast-cli-video-');
  const videos = join(root, 'videos');
  // Playing and drawing are the subject, not ingest: the titles come transcoded.
  await seedLibrary(videos, join(root, 'data'), [
    { file: 'clip.mp4', clip: { width: 640, height: 360, seconds: 20 } },
    { file: 'bands.mp4', clip: { width: 320, height: 240, seconds: 6, bands: true } },
  ]);
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  const r = await runCli(['videos', server.url, '--name', 'lister', '--json'], { home: join(root, 'lister') });
  assert.equal((r.stdout.match(/"state":"ready"/g) ?? []).length, 2, `seeded titles not ready at once:\n${r.stdout}${r.stderr}`);
});

after(async () => {
  term?.kill();
  await server.stop();
  removeDir(root);
});

const isRed = (c: string) => {
  const [r, g, b] = rgb(c);
  return r > 200 && g < 60 && b < 60;
};
const isBlue = (c: string) => {
  const [r, g, b] = rgb(c);
  return b > 200 && r < 60 && g < 60;
};

/** The drawn picture: half-block cells of the grid, by row. */
function pictureRows(grid: Cell[][]): Cell[][] {
  return grid.map((row) => row.filter((c) => c.ch === HALF_BLOCK)).filter((row) => row.length > 0);
}

/** The bands clip as drawn: the upper rows red on red, the lower rows blue on blue. */
function assertBands(grid: Cell[][]): void {
  const rows = pictureRows(grid);
  assert.ok(rows.length >= 6, `only ${rows.length} rows of half blocks were drawn`);
  const quarter = Math.floor(rows.length / 4);
  for (const row of rows.slice(0, quarter)) assert.ok(row.every((c) => isRed(c.fg) && isRed(c.bg)), `top row not red: ${JSON.stringify(row[0])}`);
  for (const row of rows.slice(-quarter)) assert.ok(row.every((c) => isBlue(c.fg) && isBlue(c.bg)), `bottom row not blue: ${JSON.stringify(row[0])}`);
}

/** A tmux session of cols × rows running `command` once Enter is pressed, with its raw output recorded. */
function terminalSession(t: { after(fn: () => void): void }, command: string, cols = 100, rows = 30) {
  const session = `sealcast-${randomBytes(4).toString('hex')}`;
  const raw = join(root, `${session}.raw`);
  // The shell waits for a key so the recording is running before the first byte; it
  // traps Ctrl-C (its child gets it with default handling) to report the exit status.
  tmux('new-session', '-d', '-s', session, '-x', String(cols), '-y', String(rows), `sh -c 'trap : INT; read go; ${command}; echo EXIT=$?; sleep 120'`);
  t.after(() => term!.killSession(session));
  tmux('pipe-pane', '-o', '-t', session, `cat > ${raw}`);
  tmux('send-keys', '-t', session, 'Enter');
  return { session, raw: () => readFileSync(raw, 'utf8') };
}

const cli = (home: string, args: string) => `SEALCAST_HOME=${join(root, home)} TERM=xterm-256color DISPLAY= WAYLAND_DISPLAY= ${process.execPath} ${sealcastBin()} ${args}`;

test('connect through a pipe: /videos, /play receive-only with chat both ways, /seek, /stop, chat after', async () => {
  const bob = await testClient(server.url, 'bob', { pin: server.fingerprintHex });
  const alice = startCli(['connect', server.url, '--name', 'alice'], { home: join(root, 'alice'), env: { DISPLAY: '', WAYLAND_DISPLAY: '' } });
  const out = new LineCollector(alice.stdout!);
  let err = '';
  alice.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const say = (line: string) => alice.stdin!.write(line + '\n');
  try {
    await out.waitFor((l) => l.includes('signed in as alice'));
    say('/seek +10');
    await out.waitFor((l) => l === 'nothing is playing');
    say('/videos');
    await out.waitFor((l) => /^clip\s+0:20\s+ready\s+240p@0\.\dM 360p@\d\.\dM$/.test(l));
    await out.waitFor((l) => /^bands\s+0:06\s+ready\s+240p@/.test(l));
    say('/play nope');
    await out.waitFor((l) => /cannot play nope: no video called "nope"/.test(l));
    say('/play clip fixed:240p');
    await out.waitFor((l) => /^playing clip \(0:20, 240p\/360p\) receive only \(.*not a terminal\)/.test(l));

    await bob.refreshRoster();
    await bob.send('alice', 'chat during the video');
    await out.waitFor((l) => l.endsWith('bob: chat during the video'));
    const toBob = nextEvent<{ text: string }>(bob, 'message');
    say('/msg bob and back while streaming');
    assert.equal((await toBob).text, 'and back while streaming');

    say('/seek 0:12');
    await out.waitFor((l) => l.trim() === 'seeking to 0:12 of 0:20');
    // The server starts at the segment holding the target: 20 s is cut in twelve 1.67 s segments.
    const landed = (l: string) => { const m = /^now at 0:(\d\d)$/.exec(l.trim()); return m ? Number(m[1]) : undefined; };
    assert.equal(landed(await out.waitFor((l) => landed(l) !== undefined)), 11, 'segment 7 starts at 11.67 s');
    say('/seek -8');
    const to = await out.waitFor((l) => /seeking to 0:0\d of 0:20/.test(l));
    const targetS = Number(/0:0(\d)/.exec(to)![1]);
    assert.ok(targetS >= 3 && targetS <= 6, `-8 from about 0:11.67 went to 0:0${targetS}`);
    const at = landed(await out.waitFor((l) => landed(l) !== undefined && out.lines.indexOf(l) > out.lines.indexOf(to)))!;
    assert.ok(at <= targetS && at > targetS - 2, `seeking to 0:0${targetS} landed at 0:0${at}`);
    say('/seek soon');
    await out.waitFor((l) => l.startsWith('usage: /seek'));

    say('/stop');
    const stopped = await out.waitFor((l) => l.startsWith('video clip stopped:'));
    const n = Number(/stopped: (\d+) segments/.exec(stopped)![1]);
    assert.ok(n < 12, `${n} segments of 12 were played before the stop`);
    assert.match(stopped, /\(240p×\d+\)$/, 'fixed:240p was honoured');
    const mark = out.lines.length;
    say('/stop');
    await out.waitFor((l) => l === 'nothing is playing' && out.lines.lastIndexOf(l) >= mark);
    const after = nextEvent<{ text: string }>(bob, 'message');
    say('/msg bob the connection is still good');
    assert.equal((await after).text, 'the connection is still good');

    // A seek past the end lands on the last segment, and the video then finishes.
    say('/play bands');
    await out.waitFor((l) => l.startsWith('playing bands (0:06'));
    say('/seek +300');
    await out.waitFor((l) => l.trim() === 'seeking to 0:05 of 0:06');
    await out.waitFor((l) => l.trim() === 'now at 0:04');
    await out.waitFor((l) => /^video bands finished: \d+ segments/.test(l), 20_000);
    say('/quit');
    const code = await new Promise((r) => alice.once('close', r));
    assert.equal(code, 0, err);
  } finally {
    alice.kill();
    await bob.close();
  }
});

test('connect in a terminal: the picture is drawn above the chat, typing survives incoming lines, /stop restores', { skip: noTmux }, async (t) => {
  const bob = await testClient(server.url, 'bob2', { pin: server.fingerprintHex });
  t.after(() => bob.close());
  const { session, raw } = terminalSession(t, cli('carol', `connect ${server.url} --name carol --player terminal`));
  await screenShows(session, (s) => s.includes('signed in as carol'));
  tmux('send-keys', '-t', session, '-l', '/play bands');
  tmux('send-keys', '-t', session, 'Enter');
  await screenShows(session, (s) => s.includes(HALF_BLOCK.repeat(20)) && /bands\s+·\s+0:0\d \/ 0:06/.test(s));
  assert.ok(Number(paneFormat(session, '#{scroll_region_upper}')) > 10, 'chat rows fenced off below the picture');

  tmux('send-keys', '-t', session, '-l', '/msg bob2 hal');
  await screenShows(session, (s) => s.includes('> /msg bob2 hal'));
  await bob.refreshRoster();
  await bob.send('carol', 'ping during the picture');
  const screen = await screenShows(session, (s) => s.includes('bob2: ping during the picture'));
  const lines = screen.trimEnd().split('\n');
  assert.match(lines.at(-1)!, /^> \/msg bob2 hal$/, 'the half-typed line is redrawn under the message');
  assert.ok(lines.slice(0, 5).every((l) => l.includes(HALF_BLOCK)), 'the picture is still at the top');
  const arrived = nextEvent<{ text: string }>(bob, 'message');
  tmux('send-keys', '-t', session, '-l', 'f done');
  tmux('send-keys', '-t', session, 'Enter');
  assert.equal((await arrived).text, 'half done');

  tmux('send-keys', '-t', session, '-l', '/stop');
  tmux('send-keys', '-t', session, 'Enter');
  const end = await screenShows(session, (s) => /video bands (stopped|finished):/.test(s));
  assert.ok(!end.includes(HALF_BLOCK), 'the picture is wiped');
  assert.equal(paneFormat(session, '#{scroll_region_upper} #{scroll_region_lower} #{cursor_flag} #{alternate_on}'), '0 29 1 0');
  const drawn = raw();
  assert.match(drawn, /\x1b\[38;2;\d+;\d+;\d+;48;2;\d+;\d+;\d+m/, '24-bit colours');
  assertBands(replay(drawn.slice(0, drawn.lastIndexOf('\x1b[r')), 100, 30));

  const later = nextEvent<{ text: string }>(bob, 'message');
  tmux('send-keys', '-t', session, '-l', '/msg bob2 after the picture');
  tmux('send-keys', '-t', session, 'Enter');
  assert.equal((await later).text, 'after the picture');
});

test('play --player auto without a display draws in the terminal at the video pace, then restores it', { skip: noTmux }, async (t) => {
  const started = Date.now();
  const { session, raw } = terminalSession(t, cli('dave', `play ${server.url} --name dave bands`));
  const screen = await screenShows(session, (s) => s.includes('EXIT='), 60_000);
  const elapsed = Date.now() - started;
  assert.match(screen, /finished: 3 segments \(240p×3\)/);
  assert.match(screen, /EXIT=0/);
  assert.ok(elapsed > 4500, `a 6 s video was over in ${elapsed} ms: not paced`);
  const drawn = raw();
  const leave = drawn.lastIndexOf('\x1b[?1049l');
  assert.ok(drawn.indexOf('\x1b[?1049h\x1b[?25l') >= 0, 'alternate screen, cursor hidden');
  assert.ok(leave > drawn.lastIndexOf(HALF_BLOCK), 'left the alternate screen after the last frame');
  assert.ok(drawn.slice(0, leave).endsWith('\x1b[0m\x1b[?25h'), 'colours reset and cursor shown on the way out');
  assert.match(drawn, /0:05 \/ 0:06/, 'the status row followed the video to its end');
  assertBands(replay(drawn.slice(0, leave), 100, 30));
  assert.equal(paneFormat(session, '#{alternate_on} #{cursor_flag}'), '0 1');
});

test('play --player terminal: Ctrl-C stops at once and restores the terminal', { skip: noTmux }, async (t) => {
  const { session, raw } = terminalSession(t, cli('erin', `play ${server.url} --name erin clip --player terminal`));
  await screenShows(session, (s) => s.includes(HALF_BLOCK.repeat(40)) && /clip\s+·\s+0:0[1-9] \/ 0:20/.test(s));
  tmux('send-keys', '-t', session, 'C-c');
  const screen = await screenShows(session, (s) => s.includes('EXIT='), 10_000);
  assert.match(screen, /stopped: \d+ segments/);
  assert.match(screen, /EXIT=0/);
  assert.ok(!screen.includes(HALF_BLOCK), 'back on the normal screen');
  assert.equal(paneFormat(session, '#{alternate_on} #{cursor_flag}'), '0 1');
  assert.ok(raw().includes('\x1b[?25h\x1b[?1049l'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerConsole } from './server-console.js';
import { ingestProgressPrinter } from './ingest-progress.js';
import { humanLogLine } from '../server/human-log.js';

test('log lines go above the transcoding bar, which is drawn again under them', () => {
  let text = '';
  const screen = new ServerConsole({ isTTY: true, write: (s: string) => (text += s) });
  const print = ingestProgressPrinter(screen, () => 0);
  screen.line('listening');
  print({ name: 'movie', percent: 40 });
  screen.line('a warning');
  assert.equal(text, `listening\n\r\x1b[Ktranscoding movie [${'#'.repeat(12)}${'.'.repeat(18)}]  40%\r\x1b[Ka warning\ntranscoding movie [${'#'.repeat(12)}${'.'.repeat(18)}]  40%`);
  print({ name: 'movie', percent: 100, done: true });
  text = '';
  screen.line('after');
  assert.equal(text, 'after\n', 'no bar to redraw once the title is done');
});

test('pino records become readable lines: time, level unless info, message, fields', () => {
  const time = new Date(2025, 0, 1, 15, 4, 5).getTime();
  assert.equal(humanLogLine(JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', svc: 'sealcast', msg: 'transcoded', title: 'movie', seconds: 1.5 }), false), '15:04:05 transcoded  title=movie seconds=1.5');
  assert.equal(humanLogLine(JSON.stringify({ level: 40, time, msg: 'title failed', title: 'my film', error: 'x' }), false), '15:04:05 warn  title failed  title="my film" error=x');
  assert.equal(humanLogLine(JSON.stringify({ level: 50, time, msg: 'boom' }), true), '15:04:05 \x1b[31merror boom\x1b[0m');
  assert.equal(humanLogLine('not json\n', false), 'not json');
});

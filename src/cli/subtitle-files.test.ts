import { test } from 'node:test';
import assert from 'node:assert/strict';
import { playerArgs } from './external-player.js';
import { parseSubtitleChoice, pickSubtitle, subtitleArgs, vttForStreamClock } from './subtitle-files.js';

const TRACKS = [
  { language: 'fre', label: 'French', path: '/hls/m/subs/0.vtt' },
  { language: 'en', label: 'English', path: '/hls/m/subs/1.vtt' },
  { language: '', label: 'Subtitles', path: '/hls/m/subs/2.vtt' },
];

test('which subtitle track: asked-for language (two or three letters), else the locale, else the first', () => {
  assert.equal(pickSubtitle(TRACKS, parseSubtitleChoice('fr')!), 0, 'fr matches fre');
  assert.equal(pickSubtitle(TRACKS, parseSubtitleChoice('eng')!), 1, 'eng matches en');
  assert.equal(pickSubtitle(TRACKS, parseSubtitleChoice('de')!), undefined);
  assert.equal(pickSubtitle(TRACKS, parseSubtitleChoice('off')!), undefined);
  assert.equal(pickSubtitle(TRACKS, parseSubtitleChoice(undefined)!, 'en'), 1);
  assert.equal(pickSubtitle(TRACKS, parseSubtitleChoice('auto')!, 'ja'), 0);
  assert.equal(pickSubtitle([], parseSubtitleChoice('auto')!, 'en'), undefined);
  assert.equal(parseSubtitleChoice('../x'), undefined);
});

test('cues move onto the MPEG-TS clock the players time subtitles by', () => {
  const vtt = 'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n00:59.500 --> 01:00.250 line:90%\nhi\n\n01:00:00.000 --> 01:00:01.000\nlate\n';
  assert.equal(vttForStreamClock(vtt), 'WEBVTT\n\n00:01:00.900 --> 00:01:01.650 line:90%\nhi\n\n01:00:01.400 --> 01:00:02.400\nlate\n');
  assert.equal(vttForStreamClock('WEBVTT\n\n00:01.000 --> 00:02.000\nx'), 'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx', 'no map: unchanged times');
});

test('player arguments: mpv gets every track on the stream clock, ffplay burns in the chosen one before its input', () => {
  const subs = { files: ['/tmp/s/0.vtt', '/tmp/s/1.vtt'], selected: 1, remove() {} };
  assert.deepEqual(playerArgs('mpv', subtitleArgs('mpv', subs)), ['--really-quiet', '--rebase-start-time=no', '--sub-file=/tmp/s/0.vtt', '--sub-file=/tmp/s/1.vtt', '--sid=2', '-']);
  assert.deepEqual(playerArgs('ffplay', subtitleArgs('ffplay', subs)), ['-hide_banner', '-loglevel', 'error', '-autoexit', '-vf', 'subtitles=/tmp/s/1.vtt', '-i', '-']);
  assert.deepEqual(subtitleArgs('ffplay', { files: ["/tmp/a:b'c/0.vtt"], selected: 0, remove() {} }), ['-vf', "subtitles=/tmp/a\\:b\\'c/0.vtt"]);
  assert.deepEqual(subtitleArgs('mpv', undefined), []);
});

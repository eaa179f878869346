import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileKind, sidecarSubtitle, titleOfFile } from './title-name.js';
import { h264Level, planLadder } from './ladder.js';
import { fromFfmpegSummary } from './probe.js';
import { withTimestampMap } from './playlists.js';
import { thumbnailPlan, thumbnailsVtt } from './title-assets.js';

test('rendition files: any _NNNp height from 100 to 4320, and _4k-style aliases', () => {
  assert.deepEqual(titleOfFile('q_1440p.mp4'), { title: 'q', height: 1440 });
  assert.deepEqual(titleOfFile('film_2160p.mkv'), { title: 'film', height: 2160 });
  assert.deepEqual(titleOfFile('film_4k.mkv'), { title: 'film', height: 2160 });
  assert.deepEqual(titleOfFile('old_576p.avi'), { title: 'old', height: 576 });
  assert.deepEqual(titleOfFile('x_9999p.mp4'), { title: 'x_9999p' }, 'out of range: a plain title');
  assert.deepEqual(titleOfFile('x_50p.mp4'), { title: 'x_50p' });
  assert.deepEqual(titleOfFile('movie.mp4'), { title: 'movie' });
});

test('file kinds and sidecar subtitles', () => {
  assert.equal(fileKind('a.MKV'), 'video');
  assert.equal(fileKind('notes.txt'), 'sidecar');
  assert.equal(fileKind('film.part'), 'sidecar');
  assert.equal(fileKind('weird.bin'), 'unknown');
  const titles = new Set(['movie', 'my.film']);
  assert.deepEqual(sidecarSubtitle('movie.srt', titles), { file: 'movie.srt', title: 'movie', language: '' });
  assert.deepEqual(sidecarSubtitle('movie.pt-BR.vtt', titles), { file: 'movie.pt-BR.vtt', title: 'movie', language: 'pt-br' });
  assert.deepEqual(sidecarSubtitle('my.film.en.srt', titles), { file: 'my.film.en.srt', title: 'my.film', language: 'en' });
  assert.equal(sidecarSubtitle('other.en.srt', titles), undefined);
  assert.equal(sidecarSubtitle('movie.english-subtitles-x.srt', titles), undefined);
});

test('the ladder reaches 1440p and 2160p when the source has them, with the H.264 level each needs', () => {
  assert.deepEqual(planLadder(3840, 2160, true).map((r) => r.height), [240, 360, 480, 720, 1080, 1440, 2160]);
  assert.deepEqual(planLadder(2560, 1440, true).map((r) => r.height), [240, 360, 480, 720, 1080, 1440]);
  assert.equal(h264Level(1280, 720, 30).level, '3.1');
  assert.equal(h264Level(1280, 720, 60).level, '3.2');
  assert.equal(h264Level(1920, 1080, 30).level, '4.0');
  assert.equal(h264Level(1920, 1080, 60).level, '4.2');
  assert.equal(h264Level(2560, 1440, 30).level, '5.0');
  assert.equal(h264Level(3840, 2160, 30).level, '5.1');
  assert.equal(h264Level(3840, 2160, 60).level, '5.2');
  const uhd = planLadder(3840, 2160, true).at(-1)!;
  assert.equal(uhd.codecs, 'avc1.640033,mp4a.40.2');
});

test("ffmpeg's input summary stands in for ffprobe", () => {
  const r = fromFfmpegSummary(`Input #0, mpegts, from 'x.ts':
  Duration: 00:01:02.50, start: 1.400000, bitrate: 94 kb/s
  Program 1
    Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 90k tbn
    Stream #0:1[0x101](eng): Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, 130 kb/s
    Stream #0:2(fre): Subtitle: subrip
At least one output file must be specified`);
  assert.deepEqual(r, { durationMs: 62_500, width: 1280, height: 720, hasAudio: true, frameRate: 25, subtitles: [{ index: 0, codec: 'subrip', language: 'fre', title: '' }] });
  assert.throws(() => fromFfmpegSummary("x.txt: Invalid data found when processing input"), /not a readable media file: x\.txt: Invalid data/);
});

test('WebVTT gets the HLS timestamp map once, after its first line', () => {
  assert.equal(withTimestampMap('\uFEFFWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nhi\r\n'), 'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n00:01.000 --> 00:02.000\nhi\n');
  const twice = withTimestampMap(withTimestampMap('WEBVTT\n\nx'));
  assert.equal((twice.match(/X-TIMESTAMP-MAP/g) ?? []).length, 1);
});

test('thumbnail plans: at most 300 per title, on segment boundaries', () => {
  assert.deepEqual(thumbnailPlan(6000, 640, 360), { intervalS: 2, columns: 3, count: 3, width: 160, height: 90 });
  const film = thumbnailPlan(2 * 3600_000, 1920, 1080);
  assert.equal(film.intervalS, 24);
  assert.equal(film.count, 300);
  assert.equal(film.intervalS % 2, 0);
  const vtt = thumbnailsVtt(film, 2 * 3600_000, 's.jpg');
  assert.equal((vtt.match(/#xywh=/g) ?? []).length, 300);
  assert.match(vtt, /01:59:36\.000 --> 02:00:00\.000\ns\.jpg#xywh=1440,2610,160,90\n$/);
});

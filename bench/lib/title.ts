import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '../../src/crypto/index.js';
import { decodeServerFrame, encodeClientFrame } from '../../src/protocol/index.js';
import { makeClip } from '../../test/support/media-fixtures.js';
import type { WebSocket } from 'ws';
import { sleep } from './bench.js';
import { startSealcast, type ServerProcess } from './sealcast-server.js';
import { sealcastLogin } from './sealcast-login.js';

/** A sealcast server with one ready title, and where its segments are on disk. */
export interface ReadyTitle {
  server: ServerProcess;
  title: string;
  /** The title's directory in the server's media cache: one sub-directory per rung height. */
  titleDir: string;
  /** Segment file names of each rung, in order. */
  segments: Map<number, string[]>;
  segmentMs: number;
  /** A logged-in client socket, for tokens and requests. */
  client: WebSocket;
  request(body: Parameters<typeof encodeClientFrame>[0]['body']): Promise<ReturnType<typeof decodeServerFrame>>;
}

/**
 * Starts sealcast on a cached library holding one test-pattern clip (made with ffmpeg on first
 * use) and waits until the title is transcoded. The cache (under the system temp directory)
 * keeps the clip, the certificate and the transcoded ladder between runs, so media benchmarks
 * measure serving, not ingest; the user database is wiped each time.
 */
export async function readyTitle(spec: { width: number; height: number; seconds: number }, log: (m: string) => void): Promise<ReadyTitle> {
  const key = `clip-${spec.width}x${spec.height}-${spec.seconds}s`;
  const root = join(tmpdir(), 'sealcast-bench-cache', key);
  const videos = join(root, 'videos');
  const data = join(root, 'data');
  mkdirSync(videos, { recursive: true });
  mkdirSync(data, { recursive: true });
  const title = 'benchclip';
  const clip = join(videos, `${title}.mp4`);
  if (!existsSync(clip)) {
    log(`making a ${spec.seconds} s ${spec.width}x${spec.height} test clip (cached in ${root})`);
    makeClip(clip + '.tmp.mp4', spec);
    rmSync(clip, { force: true });
    (await import('node:fs')).renameSync(clip + '.tmp.mp4', clip);
  }
  for (const f of readdirSync(data)) if (f.startsWith('sealcast.db')) rmSync(join(data, f));
  const server = await startSealcast(undefined, { dataDir: data, videosDir: videos });
  const identity = await generateIdentity();
  const client = await sealcastLogin(server.url, 'benchviewer', identity, server.fingerprintHex);
  let nextReq = 100;
  const waiting = new Map<number, (f: ReturnType<typeof decodeServerFrame>) => void>();
  client.on('message', (d: Buffer) => {
    const f = decodeServerFrame(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    waiting.get(f.req)?.(f);
    waiting.delete(f.req);
  });
  const request: ReadyTitle['request'] = (body) =>
    new Promise((resolve, reject) => {
      const req = nextReq++;
      const timer = setTimeout(() => reject(new Error(`no answer to ${body?.case}`)), 15_000);
      waiting.set(req, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      client.send(encodeClientFrame({ req, body }));
    });
  const deadline = Date.now() + 15 * 60_000;
  let said = -1;
  for (;;) {
    const f = await request({ case: 'videoListRequest', value: {} });
    const t = f.body.case === 'videoList' ? f.body.value.titles.find((x) => x.name === title) : undefined;
    if (t?.state === 'ready') break;
    if (t?.state === 'failed') throw new Error(`the bench clip failed to transcode: ${t.error}`);
    if (Date.now() > deadline) throw new Error('the bench clip was not transcoded within 15 minutes');
    if (t && Math.floor(t.progress / 25) !== said) {
      said = Math.floor(t.progress / 25);
      log(`waiting for the server to transcode the bench clip (${t.state} ${t.progress}%)`);
    }
    await sleep(500);
  }
  const mediaRoot = join(data, 'media');
  const dirName = readdirSync(mediaRoot).find((d) => d.startsWith(`${title}-`) && existsSync(join(mediaRoot, d, 'manifest.json')));
  if (!dirName) throw new Error(`no transcoded ladder for ${title} under ${mediaRoot}`);
  const titleDir = join(mediaRoot, dirName);
  const segments = new Map<number, string[]>();
  for (const h of readdirSync(titleDir).filter((d) => /^\d+$/.test(d))) {
    segments.set(Number(h), readdirSync(join(titleDir, h)).filter((f) => /^seg_\d+\.ts$/.test(f)).sort());
  }
  return { server, title, titleDir, segments, segmentMs: 2000, client, request };
}

/** An HLS token for the title, from the server over the logged-in socket. */
export async function hlsToken(t: ReadyTitle): Promise<string> {
  const f = await t.request({ case: 'hlsTokenRequest', value: { title: t.title } });
  if (f.body.case !== 'hlsToken') throw new Error(`no HLS token: ${f.body.case === 'error' ? f.body.value.message : f.body.case}`);
  return f.body.value.token;
}

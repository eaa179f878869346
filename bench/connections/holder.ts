// Holds many idle connections for the connections benchmark, as its own process: opens them in
// batches (logging each sealcast one in with its own identity), then only reads what the server
// pushes (roster updates) without decoding it, as an idle client's socket would.
import { WebSocket } from 'ws';
import { generateIdentity, type Identity } from '../../src/crypto/index.js';
import { serveWorker } from '../lib/proc.js';
import { sealcastLogin } from '../lib/sealcast-login.js';
import { pool } from '../relay/adapters.js';

const sockets: WebSocket[] = [];
let bytesIn = 0;
let closedEarly = 0;

function bareConnect(url: string, id: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/?id=${id}`, { rejectUnauthorized: false, perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => resolve(ws));
  });
}

function keepIdle(ws: WebSocket): void {
  ws.removeAllListeners('error');
  ws.removeAllListeners('close');
  ws.on('error', () => {});
  ws.on('close', () => closedEarly++);
  ws.on('message', (d: Buffer) => {
    bytesIn += d.byteLength;
  });
}

serveWorker({
  /**
   * Opens `count` more connections (identities made first, outside the timing), `concurrency`
   * handshakes at a time, giving up at `deadline` (epoch ms). Returns the timing of this batch.
   */
  async open(p: { kind: 'sealcast' | 'bare'; url: string; count: number; concurrency: number; deadline: number }) {
    const start = sockets.length;
    const identities: Identity[] = [];
    if (p.kind === 'sealcast') await pool(p.count, 16, async (i) => void (identities[i] = await generateIdentity()));
    let failed = 0;
    let firstError = '';
    let timedOut = false;
    const t0 = performance.now();
    await pool(p.count, p.concurrency, async (i) => {
      if (Date.now() > p.deadline) {
        timedOut = true;
        return;
      }
      const n = start + i;
      try {
        const ws = p.kind === 'sealcast' ? await sealcastLogin(p.url, `idle${String(n).padStart(6, '0')}`, identities[i]!) : await bareConnect(p.url, n);
        keepIdle(ws);
        sockets.push(ws);
      } catch (e) {
        failed++;
        firstError ||= e instanceof Error ? e.message : String(e);
      }
    });
    return { seconds: (performance.now() - t0) / 1000, open: sockets.length - closedEarly, failed, firstError, timedOut };
  },
  status() {
    return { open: sockets.length - closedEarly, closedEarly, bytesIn };
  },
  close() {
    for (const ws of sockets) ws.terminate();
    sockets.length = 0;
    closedEarly = 0;
    return {};
  },
});

// Child process of socket-crowd.ts: opens the sockets, reports, and destroys them all at once when
// told, so the closing happens in the same turn of another event loop than the test's measurements.
import { connect } from 'node:net';
import { WebSocket } from 'ws';

const [port, mode, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const sockets: { destroy(): void }[] = [];
let failed = 0;

function openTcp(): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve());
    s.on('error', () => (failed++, resolve()));
    sockets.push(s);
  });
}

function openWs(): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { rejectUnauthorized: false, perMessageDeflate: false });
    ws.once('open', () => resolve());
    ws.on('error', () => (failed++, resolve()));
    sockets.push({ destroy: () => ws.terminate() });
  });
}

for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => (mode === 'ws' ? openWs() : openTcp())));
}
process.send!({ opened: count - failed, failed });
process.on('message', () => {
  for (const s of sockets) s.destroy();
  process.send!({ closed: sockets.length }, () => process.exit(0));
});

// The relay baselines, run as their own process: a bare `ws` server and a Socket.IO server
// doing the same routing as sealcast (to one peer, or to everyone else), over TLS with the
// same certificate, with no login, validation or storage.
//   node dist/bench/relay/baseline-server.js bare|socketio CERT_FILE KEY_FILE
// Prints "listening PORT" once it accepts connections on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** Frame layout of the bare baseline: type (1 = to one peer, 2 = to all), peer index, sequence, payload. */
export const BARE_HEADER_BYTES = 7;

const [kind, certFile, keyFile] = process.argv.slice(2);
if ((kind !== 'bare' && kind !== 'socketio') || !certFile || !keyFile) {
  process.stderr.write('usage: baseline-server.js bare|socketio CERT_FILE KEY_FILE\n');
  process.exit(2);
}
const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.3' });

function clientId(url: string | undefined): number {
  return Number(new URL(url ?? '/', 'https://localhost').searchParams.get('id'));
}

if (kind === 'bare') {
  const clients: (WebSocket | undefined)[] = [];
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 2 * 1024 * 1024 });
  wss.on('connection', (ws, req) => {
    const id = clientId(req.url);
    clients[id] = ws;
    ws.on('message', (data: Buffer) => {
      // Rewrite the peer field to the sender and pass the same bytes on.
      if (data[0] === 1) {
        const to = data.readUInt16BE(1);
        data.writeUInt16BE(id, 1);
        clients[to]?.send(data);
      } else {
        data.writeUInt16BE(id, 1);
        for (let j = 0; j < clients.length; j++) if (j !== id) clients[j]?.send(data);
      }
    });
    ws.on('close', () => {
      if (clients[id] === ws) clients[id] = undefined;
    });
    ws.on('error', () => {});
  });
} else {
  const { Server } = await import('socket.io');
  const io = new Server(server, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 2 * 1024 * 1024 });
  const sockets: (import('socket.io').Socket | undefined)[] = [];
  io.on('connection', (s) => {
    const id = Number(s.handshake.query.id);
    sockets[id] = s;
    s.on('m', (to: number, seq: number, payload: Buffer) => sockets[to]?.emit('m', id, seq, payload));
    s.on('b', (seq: number, payload: Buffer) => s.broadcast.emit('m', id, seq, payload));
    s.on('disconnect', () => {
      if (sockets[id] === s) sockets[id] = undefined;
    });
  });
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));

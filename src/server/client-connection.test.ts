import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientConnection, FRAGMENT_BYTES } from './client-connection.js';
import { heldSocketCount } from './turn-writes.js';

const limits = { messagesPerSecond: 100, messageBurst: 100, framesPerSecond: 100 };

/** A real WebSocket pair on 127.0.0.1: the server side wrapped in a ClientConnection. */
async function pair(maxQueuedBytes = 64 * 1024 * 1024, onSlowConsumer = () => {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const serverSide = new Promise<[WebSocket, IncomingMessage]>((r) => wss.once('connection', (ws, req) => r([ws, req])));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: Buffer[] = [];
  client.on('message', (d: Buffer) => received.push(d));
  const closed = new Promise<number>((r) => client.once('close', r));
  await new Promise((r) => client.once('open', r));
  const [ws, req] = await serverSide;
  const conn = new ClientConnection(ws, req.socket, '127.0.0.1', new Uint8Array(32), maxQueuedBytes, limits, onSlowConsumer);
  const done = async () => {
    client.terminate();
    await new Promise((r) => wss.close(r));
  };
  return { conn, socket: req.socket, received, closed, done };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('large spread frames go out in fragments; every frame arrives whole and in order', async (t) => {
  const { conn, received, done } = await pair();
  t.after(done);
  const frames = [randomBytes(10), randomBytes(200_000), randomBytes(20), randomBytes(FRAGMENT_BYTES + 1), randomBytes(300_000), randomBytes(FRAGMENT_BYTES), randomBytes(5)];
  const spread = [false, true, true, true, false, true, false];
  frames.forEach((f, i) => assert.equal(conn.sendEncoded(f, spread[i] ? 'spread' : 'now'), true));
  assert.ok(conn.queuedBytes >= 200_000 - FRAGMENT_BYTES, 'the unsent rest counts as queued (flow control and the slow-consumer bound see it)');
  await until(() => received.length === frames.length);
  received.forEach((got, i) => assert.deepEqual(got, frames[i], `frame ${i}`));
  await until(() => conn.queuedBytes === 0);
});

test('frames sent for the end of the turn are held together and go out in order with the others', async (t) => {
  const { conn, socket, received, done } = await pair();
  t.after(done);
  const frames = [randomBytes(30), randomBytes(1300), randomBytes(40), randomBytes(FRAGMENT_BYTES + 10), randomBytes(7)];
  const modes = ['turn', 'turn', 'now', 'spread', 'turn'] as const;
  frames.forEach((f, i) => assert.equal(conn.sendEncoded(f, modes[i]), true));
  assert.ok(socket.writableCorked > 0, 'held while the turn lasts');
  assert.equal(heldSocketCount(), 1, 'one socket held, however many frames');
  await until(() => received.length === frames.length);
  received.forEach((got, i) => assert.deepEqual(got, frames[i], `frame ${i}`));
  assert.equal(socket.writableCorked, 0, 'released once the turn ends');
  assert.equal(heldSocketCount(), 0);
});

test('close while a large frame is going out: it and what waited behind it are sent before the close', async (t) => {
  const { conn, received, closed, done } = await pair();
  t.after(done);
  const big = randomBytes(300_000);
  const last = randomBytes(12);
  conn.sendEncoded(big, 'spread');
  conn.sendEncoded(last);
  conn.close(4000, 'bye');
  assert.equal(await closed, 4000);
  assert.equal(received.length, 2);
  assert.deepEqual(received[0], big);
  assert.deepEqual(received[1], last);
});

test('a client that stops reading is still cut off at the bound, fragments included', async (t) => {
  let slow = 0;
  const { conn, done } = await pair(100_000, () => slow++);
  t.after(done);
  conn.sendEncoded(randomBytes(150_000), 'spread');
  assert.equal(conn.sendEncoded(randomBytes(10)), false, 'over the bound: refused');
  assert.equal(slow, 1);
  assert.equal(conn.closed, true);
});

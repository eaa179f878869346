import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from './event-emitter.js';

interface Events extends Record<string, unknown> {
  ping: number;
  error: { code: string; message: string };
}

class Box extends Emitter<Events> {
  fire(n: number): void {
    this.emit('ping', n);
  }
}

test('on/off/once deliver typed payloads in order', () => {
  const box = new Box();
  const seen: string[] = [];
  const off = box.on('ping', (n) => seen.push(`a${n}`));
  box.once('ping', (n) => seen.push(`once${n}`));
  box.on('ping', (n) => seen.push(`b${n}`));
  box.fire(1);
  off();
  box.fire(2);
  assert.deepEqual(seen, ['a1', 'once1', 'b1', 'b2']);
  assert.equal(box.listenerCount('ping'), 1);
});

test('a throwing listener does not stop the others; it becomes an error event', () => {
  const box = new Box();
  const seen: unknown[] = [];
  box.on('ping', () => {
    throw new Error('boom');
  });
  box.on('ping', (n) => seen.push(n));
  box.on('error', (e) => seen.push(e.code));
  box.fire(7);
  assert.deepEqual(seen, ['LISTENER_FAILED', 7]);
});

test('a listener added during an emit waits for the next one; removing during emit is safe', () => {
  const box = new Box();
  const seen: string[] = [];
  box.on('ping', () => {
    box.on('ping', () => seen.push('late'));
  });
  const off = box.on('ping', () => seen.push('x'));
  box.on('ping', () => off());
  box.fire(1);
  assert.deepEqual(seen, ['x']);
  box.fire(2);
  assert.deepEqual(seen, ['x', 'late']);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat } from '../crypto/bytes.js';
import { encodeClientFrame } from './codec.js';
import { requestNumberOf } from './frame-req.js';

test('requestNumberOf reads the req protobuf-es wrote, wherever it sits, and 0 from bytes that do not reach it', () => {
  for (const req of [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 - 1]) {
    const frame = encodeClientFrame({ req, body: { case: 'ping', value: { ts: 5n } } });
    assert.equal(requestNumberOf(frame), req, `req ${req}`);
  }
  const body = encodeClientFrame({ body: { case: 'rosterRequest', value: {} } });
  const req = encodeClientFrame({ req: 42 });
  assert.equal(requestNumberOf(concat(body, req)), 42, 'after the body');
  assert.equal(requestNumberOf(new Uint8Array([0xff, 0xff, 0xff, 0xff])), 0, 'garbage');
  assert.equal(requestNumberOf(new Uint8Array([0x08])), 0, 'cut inside the varint');
  assert.equal(requestNumberOf(new Uint8Array(0)), 0, 'empty');
  assert.equal(requestNumberOf(encodeClientFrame({ req: 9, body: { case: 'ping', value: { ts: 1n } } }).subarray(0, 2)), 9, 'a frame cut after its req');
});

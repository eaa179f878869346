// Encoding helpers: strict hex/base64, constant-time compare, ids, CryptoError guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constantTimeEqual, CryptoError, fromBase64, fromHex, isCryptoError, randomId, toBase64, toHex } from './index.js';

test('hex and base64 round trip and refuse malformed input', () => {
  const b = Uint8Array.from({ length: 70000 }, (_, i) => (i * 31) & 0xff);
  assert.deepEqual(fromHex(toHex(b)), b);
  assert.deepEqual(fromBase64(toBase64(b)), b);
  assert.equal(toHex(Uint8Array.of(0, 15, 255)), '000fff');
  assert.deepEqual(fromHex('ABcd'), Uint8Array.of(0xab, 0xcd));
  assert.equal(toBase64(Uint8Array.of(1, 2, 3, 4)), 'AQIDBA==');
  for (const bad of ['abc', 'zz', ' 00']) assert.throws(() => fromHex(bad), (e) => isCryptoError(e, 'BAD_INPUT'), bad);
  for (const bad of ['AQIDBA=', 'AQID BA==', 'AQIDBA-_', '====']) assert.throws(() => fromBase64(bad), (e) => isCryptoError(e, 'BAD_INPUT'), bad);
  assert.throws(() => toHex('00' as unknown as Uint8Array), (e) => isCryptoError(e, 'BAD_INPUT'));
});

test('constantTimeEqual and randomId', () => {
  assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
  assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
  assert.equal(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1)), false);
  assert.equal(randomId().length, 16);
  assert.notDeepEqual(randomId(), randomId());
});

test('isCryptoError and CryptoError.is narrow by code', () => {
  const e = new CryptoError('REPLAY', 'seen');
  assert.ok(isCryptoError(e) && isCryptoError(e, 'REPLAY') && CryptoError.is(e, 'REPLAY'));
  assert.equal(e.name, 'CryptoError');
  assert.ok(e instanceof Error);
  assert.equal(isCryptoError(e, 'BAD_INPUT'), false);
  assert.ok(!isCryptoError(new Error('x')) && !isCryptoError('REPLAY') && !isCryptoError(null));
});

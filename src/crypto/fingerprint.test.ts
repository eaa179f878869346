// Fingerprint displays: digits, safety numbers, short hex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintDigits, fromHex, isCryptoError, safetyNumber, shortFingerprint } from './index.js';

const fpA = fromHex('8d8421f6c85d9dab3bdd8eea4f7f537fa3bb1190e31ef6d6a627d5cb81bede2e');
const fpB = fromHex('6dcadf8885eeb4d3d0b818e694d899a07b1d561a49b118472e46dd0aa1732cfb');

test('fingerprintDigits: 5-byte big-endian chunks mod 100000, 6 groups', () => {
  // 0x8d8421f6c8 = 608,334,607,048 → 07048; checked by hand for the first group.
  assert.equal(fingerprintDigits(fpA).split(' ')[0], String(0x8d8421f6c8 % 100000).padStart(5, '0'));
  assert.equal(fingerprintDigits(fpA), '07112 03421 34515 92528 69478 08574');
  assert.equal(fingerprintDigits(new Uint8Array(32)), '00000 00000 00000 00000 00000 00000');
  assert.equal(fingerprintDigits(new Uint8Array(32).fill(0xff)), Array(6).fill(String(0xffffffffff % 100000)).join(' '));
  assert.throws(() => fingerprintDigits(new Uint8Array(31)), (e) => isCryptoError(e, 'BAD_INPUT') && e.message.includes('expected Uint8Array of length 32, got length=31'));
});

test('safetyNumber: 60 digits, the same from both sides', () => {
  const ab = safetyNumber({ name: 'alice', fingerprint: fpA }, { name: 'bob', fingerprint: fpB });
  const ba = safetyNumber({ name: 'bob', fingerprint: fpB }, { name: 'alice', fingerprint: fpA });
  assert.equal(ab, ba);
  assert.match(ab, /^(\d{5} ){11}\d{5}$/);
  assert.equal(ab, `${fingerprintDigits(fpA)} ${fingerprintDigits(fpB)}`, 'alice sorts first');
  // Same name on both sides (e.g. a key change of one user): fingerprint order decides.
  assert.equal(safetyNumber({ name: 'x', fingerprint: fpA }, { name: 'x', fingerprint: fpB }), safetyNumber({ name: 'x', fingerprint: fpB }, { name: 'x', fingerprint: fpA }));
});

test('shortFingerprint: first 8 bytes in 4 groups of 4 hex digits', () => {
  assert.equal(shortFingerprint(fpA), '8d84 21f6 c85d 9dab');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalSafe } from './sanitize.js';

test('escape sequences, controls and bidi overrides become visible text', () => {
  assert.equal(terminalSafe('a\x1b[2Jb'), 'a\\x1b[2Jb');
  assert.equal(terminalSafe('t\x1b]0;title\x07'), 't\\x1b]0;title\\x07');
  assert.equal(terminalSafe('\u009b31m'), '\\x9b31m', 'C1 CSI');
  assert.equal(terminalSafe('\u202eevil'), '\\u202eevil');
  assert.equal(terminalSafe('del\x7f'), 'del\\x7f');
});

test('newlines indent continuation lines; tabs and plain Unicode pass', () => {
  assert.equal(terminalSafe('one\ntwo\r\nthree'), 'one\n  two\n  three');
  assert.equal(terminalSafe('tab\there ünïcødé 🎉'), 'tab\there ünïcødé 🎉');
  assert.equal(terminalSafe('cr\roverwrite'), 'cr\n  overwrite', 'a bare CR cannot overwrite the line start');
});

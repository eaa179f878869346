import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HlsTokens } from './hls-token.js';

test('HLS tokens are bound to user, title and expiry', () => {
  const tokens = new HlsTokens(new Uint8Array(32).fill(5));
  const now = 1_700_000_000_000;
  const t = tokens.issue('alice', 'sample', now + 60_000);
  assert.equal(tokens.verify(t, 'sample', now), 'alice');
  assert.equal(tokens.verify(t, 'other', now), undefined, 'another title');
  assert.equal(tokens.verify(t, 'sample', now + 60_001), undefined, 'expired');
  const [exp, , mac] = t.split('.');
  assert.equal(tokens.verify(`${exp}.bob.${mac}`, 'sample', now), undefined, 'another user');
  assert.equal(tokens.verify(`${(now + 999_999).toString(36)}.alice.${mac}`, 'sample', now), undefined, 'extended expiry');
  for (const junk of ['', 'a.b', 'a.b.c.d', '...', 'zzzzzzzzzzzzzzzz.alice.x', t + 'x']) {
    assert.equal(tokens.verify(junk, 'sample', now), undefined, junk);
  }
  const other = new HlsTokens(new Uint8Array(32).fill(6));
  assert.equal(other.verify(t, 'sample', now), undefined, 'another server secret');
});

test('HLS tokens work for names with dots, and a dot cannot move the user/title boundary', () => {
  const tokens = new HlsTokens(new Uint8Array(32).fill(5));
  const now = 1_700_000_000_000;
  for (const user of ['john.doe', 'a.b.c', 'x.', 'j..d']) {
    const t = tokens.issue(user, 'sample', now + 60_000);
    assert.equal(tokens.verify(t, 'sample', now), user, user);
  }
  const t = tokens.issue('john.doe', 'sample', now + 60_000);
  const mac = t.slice(t.lastIndexOf('.') + 1);
  assert.equal(tokens.verify(`${(now + 60_000).toString(36)}.john.${mac}`, 'sample', now), undefined, 'a prefix of the name');
  assert.equal(tokens.verify(`${(now + 60_000).toString(36)}.john.doe.${mac}.`, 'sample', now), undefined, 'trailing dot');
});

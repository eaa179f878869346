import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeUrl } from './node-connector.js';
import { parseFingerprint } from './known-servers.js';

test('server addresses: wss and https, /ws appended, ports kept, 8443 when none', () => {
  assert.deepEqual(normalizeUrl('wss://localhost:8443'), { url: 'wss://localhost:8443/ws', hostPort: 'localhost:8443' });
  assert.deepEqual(normalizeUrl('https://chat.example:9000/'), { url: 'wss://chat.example:9000/ws', hostPort: 'chat.example:9000' });
  assert.deepEqual(normalizeUrl('wss://chat.example:443'), { url: 'wss://chat.example:443/ws', hostPort: 'chat.example:443' }, 'an explicit 443 stays 443');
  assert.deepEqual(normalizeUrl('https://chat.example'), { url: 'wss://chat.example:8443/ws', hostPort: 'chat.example:8443' });
  assert.deepEqual(normalizeUrl('127.0.0.1:7000'), { url: 'wss://127.0.0.1:7000/ws', hostPort: '127.0.0.1:7000' });
  assert.deepEqual(normalizeUrl('wss://[::1]:8443/ws'), { url: 'wss://[::1]:8443/ws', hostPort: '[::1]:8443' });
  assert.equal(normalizeUrl('WSS://LocalHost:8443').hostPort, 'localhost:8443', 'host names compare in lower case');
  assert.throws(() => normalizeUrl('ws://localhost:8443'), /needs TLS/);
  assert.throws(() => normalizeUrl('http://localhost:8443'), /needs TLS/);
  assert.throws(() => normalizeUrl('wss://user:pw@localhost:8443'), /user name/);
  assert.throws(() => normalizeUrl('wss://'), /not a server address/);
  for (const typo of ['http//localhost:8443', 'https//localhost:8443', 'wss//localhost', 'https:/localhost:8443', 'wss:localhost']) {
    assert.throws(() => normalizeUrl(typo), (e: Error) => /not a server address: ".*" \(did you mean wss:\/\/localhost(:8443)?\?\)/.test(e.message), typo);
  }
  assert.equal(normalizeUrl('http:8443').hostPort, 'http:8443', 'a host named like a scheme, with a port, is a host');
});

test('fingerprints: hex, colon-separated (as serve prints them), SHA256: prefix', () => {
  const hex = 'ab'.repeat(32);
  assert.equal(parseFingerprint(hex), hex);
  assert.equal(parseFingerprint('AB:'.repeat(31) + 'AB'), hex);
  assert.equal(parseFingerprint(`SHA256:${hex}`), hex);
  assert.equal(parseFingerprint('abc'), undefined);
  assert.equal(parseFingerprint('zz'.repeat(32)), undefined);
});

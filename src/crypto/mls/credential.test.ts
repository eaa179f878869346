// The sealcast credential layout ("SCM1" || u8 name length || UTF-8 name || 16-byte device id):
// a fixed example byte for byte, round trips, and every malformed form refused with its own message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCredentialIdentity, parseCredentialIdentity } from './credential.js';
import { isMlsError } from './mls-error.js';
import { exportSigningKey, generateSigningKey, importSigningKey, SIGNING_KEY_EXPORT_BYTES } from './signing-key.js';

const id = Uint8Array.from({ length: 16 }, (_, i) => i);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('the credential identity of ("alice", 00..0f) is exactly its documented bytes', () => {
  const bytes = encodeCredentialIdentity('alice', id);
  assert.equal(hex(bytes), '53434d31' + '05' + Buffer.from('alice').toString('hex') + '000102030405060708090a0b0c0d0e0f');
  assert.deepEqual(parseCredentialIdentity(bytes), { name: 'alice', deviceId: id });
  const long = 'ü'.repeat(127); // 254 UTF-8 bytes
  assert.equal(parseCredentialIdentity(encodeCredentialIdentity(long, id)).name, long);
  const parsed = parseCredentialIdentity(bytes);
  bytes[bytes.length - 1] = 0xff;
  assert.equal(parsed.deviceId[15], 15, 'the parsed device id is a copy');
});

test('every malformed identity is refused with BAD_CREDENTIAL and says what is wrong', () => {
  const good = encodeCredentialIdentity('bob', id);
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(0), /expected at least 22 bytes, got length=0/],
    [good.subarray(0, 21), /expected at least 22 bytes, got length=21/],
    [Uint8Array.from([0x53, 0x43, 0x4d, 0x32, ...good.subarray(4)]), /does not start with "SCM1"/],
    [Uint8Array.from([...good.subarray(0, 4), 0, ...new Uint8Array(17)]), /empty name/],
    [good.subarray(0, good.length - 1), /truncated \(name of 3 bytes needs length=24, got length=23\)/],
    [Uint8Array.from([...good, 0]), /trailing bytes \(name of 3 bytes needs length=24, got length=25\)/],
    [Uint8Array.from([...good.subarray(0, 4), 2, 0xc3, 0x28, ...id]), /name is not UTF-8/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => parseCredentialIdentity(bytes), (e: unknown) => isMlsError(e, 'BAD_CREDENTIAL') && message.test(e.message), `${hex(bytes)} -> ${message}`);
  }
  // Random bytes almost never form a credential; none may parse into something else silently.
  for (let i = 0; i < 2000; i++) {
    const junk = crypto.getRandomValues(new Uint8Array(1 + (i % 60)));
    try {
      const p = parseCredentialIdentity(junk);
      assert.deepEqual(encodeCredentialIdentity(p.name, p.deviceId), junk, 'whatever parses re-encodes to the same bytes');
    } catch (e) {
      assert.ok(isMlsError(e, 'BAD_CREDENTIAL'), String(e));
    }
  }
});

test('bad arguments to the encoder are BAD_INPUT', () => {
  for (const [name, deviceId] of [['', id], ['x'.repeat(256), id], ['\ud800', id], ['ok', new Uint8Array(15)], [7, id]] as const) {
    assert.throws(() => encodeCredentialIdentity(name as string, deviceId), (e: unknown) => isMlsError(e, 'BAD_INPUT'));
  }
});

test('a signing key round-trips through its export, and damaged exports are BAD_STATE', async () => {
  const key = await generateSigningKey();
  const bytes = exportSigningKey(key);
  assert.equal(bytes.byteLength, SIGNING_KEY_EXPORT_BYTES);
  assert.equal(hex(bytes.subarray(0, 4)), '53434b31');
  const back = await importSigningKey(bytes);
  assert.deepEqual(back.privateKey, key.privateKey);
  assert.deepEqual(back.publicKey, key.publicKey);
  const otherPublic = bytes.slice();
  otherPublic[40]! ^= 1;
  await assert.rejects(importSigningKey(otherPublic), (e: unknown) => isMlsError(e, 'BAD_STATE') && /does not match/.test(e.message));
  await assert.rejects(importSigningKey(bytes.subarray(0, 67)), (e: unknown) => isMlsError(e, 'BAD_STATE') && /expected 68 bytes, got length=67/.test(e.message));
  const magic = bytes.slice();
  magic[0] = 0;
  await assert.rejects(importSigningKey(magic), (e: unknown) => isMlsError(e, 'BAD_STATE') && /SCK1/.test(e.message));
  assert.throws(() => exportSigningKey({ privateKey: new Uint8Array(31), publicKey: key.publicKey }), (e: unknown) => isMlsError(e, 'BAD_INPUT'));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIdentity } from './identity.js';
import { deviceKeyFromSeed, generateDeviceKey, signDeviceList, signDeviceLogin } from './device-key.js';
import { deviceIdOf, findDevice, parseDeviceList, type DeviceListContent } from './device-list.js';
import { isCryptoError } from './crypto-error.js';
import { verifyDeviceLogin } from './login-proof.js';
import { importDeviceKey } from './device-list.js';

async function listFor(suite: 'hpke-x25519-aes128gcm' | 'rsa-oaep-3072' = 'hpke-x25519-aes128gcm') {
  const identity = await generateIdentity(suite);
  const a = await generateDeviceKey();
  const b = await generateDeviceKey();
  const content: DeviceListContent = {
    name: 'alice', identityFingerprint: identity.bundle.fingerprint, version: 3, issuedAt: 1_700_000_000_000,
    devices: [
      { id: a.id, key: a.publicKey, addedAt: 1_700_000_000_000, label: 'laptop' },
      { id: b.id, key: b.publicKey, addedAt: 1_700_000_001_000, label: 'téléphone' },
    ],
  };
  return { identity, a, b, content, bytes: await signDeviceList(identity, content) };
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => isCryptoError(e, 'BAD_DEVICE_LIST') && pattern.test((e as Error).message));
}

test('a signed device list round-trips and names its devices', async () => {
  for (const suite of ['hpke-x25519-aes128gcm', 'rsa-oaep-3072'] as const) {
    const { identity, a, b, content, bytes } = await listFor(suite);
    const list = await parseDeviceList(bytes, identity.bundle, 'alice');
    assert.equal(list.version, 3);
    assert.equal(list.issuedAt, content.issuedAt);
    assert.deepEqual(list.devices.map((d) => d.label), ['laptop', 'téléphone']);
    assert.equal(findDevice(list, b.id)?.label, 'téléphone');
    assert.deepEqual(findDevice(list, a.id)?.key, a.publicKey);
    assert.deepEqual(list.bytes, bytes);
  }
});

test('a device list is refused when tampered, for another name or identity, or malformed', async () => {
  const { identity, content, bytes } = await listFor();
  const other = await generateIdentity();
  await refused(parseDeviceList(bytes, other.bundle, 'alice'), /another identity/);
  await refused(parseDeviceList(bytes, identity.bundle, 'bob'), /another account/);
  // Every single-byte change of the body breaks the signature or the structure.
  for (let i = 0; i < bytes.byteLength; i += 7) {
    const t = Uint8Array.from(bytes);
    t[i] ^= 0x01;
    await assert.rejects(parseDeviceList(t, identity.bundle, 'alice'), (e: unknown) => isCryptoError(e, 'BAD_DEVICE_LIST'));
  }
  await refused(parseDeviceList(Uint8Array.from([...bytes, 0]), identity.bundle, 'alice'), /trailing/);
  await refused(parseDeviceList(bytes.subarray(0, bytes.byteLength - 3), identity.bundle, 'alice'), /truncated/);
  // Signed by the identity, but the device id does not match its key.
  const wrongId = { ...content, devices: [{ ...content.devices[0]!, id: new Uint8Array(16) }] };
  await refused(parseDeviceList(await signDeviceList(identity, wrongId), identity.bundle, 'alice'), /id does not match/);
  const twice = { ...content, devices: [content.devices[0]!, content.devices[0]!] };
  await refused(parseDeviceList(await signDeviceList(identity, twice), identity.bundle, 'alice'), /twice/);
  // Signed by another identity that claims alice's fingerprint.
  await refused(parseDeviceList(await signDeviceList(other, content), identity.bundle, 'alice'), /signature/);
});

test('a device key survives its seed, and its login proof names the device', async () => {
  const d = await generateDeviceKey();
  const again = await deviceKeyFromSeed(d.seed);
  assert.deepEqual(again.publicKey, d.publicKey);
  assert.deepEqual(again.id, await deviceIdOf(d.publicKey));
  const nonce = crypto.getRandomValues(new Uint8Array(32));
  const cert = crypto.getRandomValues(new Uint8Array(32));
  const sig = await signDeviceLogin(d, nonce, cert, 'alice');
  const key = await importDeviceKey(d.publicKey);
  assert.equal(await verifyDeviceLogin(key, nonce, cert, 'alice', d.id, sig), true);
  assert.equal(await verifyDeviceLogin(key, nonce, cert, 'bob', d.id, sig), false);
  assert.equal(await verifyDeviceLogin(key, nonce, cert, 'alice', new Uint8Array(16), sig), false);
  const other = await generateDeviceKey();
  assert.equal(await verifyDeviceLogin(await importDeviceKey(other.publicKey), nonce, cert, 'alice', d.id, sig), false);
});

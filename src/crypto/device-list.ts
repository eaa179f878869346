// An account's device list (protocol v2): every device key the account's identity key vouches for,
// with a version that only grows, signed by the identity key (layout in docs/PROTOCOL.md §Device
// list). Peers pin the identity (trust on first use) and accept a device only if the list signed by
// that identity names it, so a server cannot slip a device of its own into an account. Public keys
// only: server-reachable (the server checks every list it stores).
import { buf, concat, constantTimeEqual, copyBytes, expectBytes, Reader, sha256, utf8Bytes, Writer } from './bytes.js';
import { expectBundle, type PublicBundle } from './bundle.js';
import { CryptoError } from './crypto-error.js';
import { isCanonicalEd25519 } from './key-checks.js';
import { verifySignature } from './signature.js';

/** First four bytes of every device list: "SCL1". */
export const DEVICE_LIST_MAGIC = utf8Bytes('SCL1');
/** Domain separation of the identity key's signature over a device list. */
export const DEVICE_LIST_LABEL = utf8Bytes('sealcast-device-list-v1\0');
/** Domain separation of device ids. */
export const DEVICE_ID_LABEL = utf8Bytes('sealcast-device-id-v1\0');
/** Devices one list may hold (PROTOCOL.md's limit). */
export const MAX_DEVICES = 16;
/** Largest encoded list accepted. */
export const MAX_DEVICE_LIST_BYTES = 4096;
/** Longest device label, in characters. */
export const MAX_DEVICE_LABEL_CHARS = 32;

/** One device as its account's identity vouches for it. */
export interface DeviceEntry {
  /** 16 bytes: the first half of SHA-256("sealcast-device-id-v1\0" || key). */
  id: Uint8Array;
  /** Ed25519 public key (raw, 32 bytes): signs this device's logins and its MLS messages. */
  key: Uint8Array;
  /** When the device was added (ms since the epoch). */
  addedAt: number;
  /** The user's name for it ("laptop"); 0-32 characters, no control characters. */
  label: string;
}

/** What a device list says, before it is signed. */
export interface DeviceListContent {
  /** Canonical account name. */
  name: string;
  /** Fingerprint of the account's identity bundle (32 bytes). */
  identityFingerprint: Uint8Array;
  /** Grows by at least one with every change; the server keeps only the newest. */
  version: number;
  /** When this version was made (ms). */
  issuedAt: number;
  devices: DeviceEntry[];
}

/** A parsed device list whose signature verified against the identity it names. */
export interface DeviceList extends DeviceListContent {
  /** The canonical encoding, as sent on the wire. */
  bytes: Uint8Array;
}

function checkLabel(label: string): void {
  if (typeof label !== 'string' || label.length > MAX_DEVICE_LABEL_CHARS) {
    throw new CryptoError('BAD_DEVICE_LIST', `device label: at most ${MAX_DEVICE_LABEL_CHARS} characters`);
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(label)) {
    throw new CryptoError('BAD_DEVICE_LIST', 'device label: control and bidirectional-override characters are not allowed');
  }
}

/** A device's id, derived from its key: two keys never share an id, and an id names one key. */
export async function deviceIdOf(key: Uint8Array): Promise<Uint8Array> {
  expectBytes(key, 32, 'device key');
  return (await sha256(concat(DEVICE_ID_LABEL, key))).slice(0, 16);
}

/** The body the identity key signs: magic, name, identity fingerprint, version, time, devices. */
export function encodeDeviceListBody(content: DeviceListContent): Uint8Array {
  expectBytes(content.identityFingerprint, 32, 'identityFingerprint');
  if (content.devices.length === 0 || content.devices.length > MAX_DEVICES) {
    throw new CryptoError('BAD_INPUT', `a device list holds 1-${MAX_DEVICES} devices, got ${content.devices.length}`);
  }
  const w = new Writer()
    .bytes(DEVICE_LIST_MAGIC)
    .str8(content.name)
    .bytes(content.identityFingerprint)
    .u64(content.version)
    .u64(content.issuedAt)
    .u8(content.devices.length);
  for (const d of content.devices) {
    expectBytes(d.id, 16, 'device id');
    expectBytes(d.key, 32, 'device key');
    checkLabel(d.label);
    const label = utf8Bytes(d.label);
    w.bytes(d.id).bytes(d.key).u64(d.addedAt).u8(label.byteLength).bytes(label);
  }
  return w.finish();
}

/** What the identity key signs: "sealcast-device-list-v1\0" || body. */
export function deviceListSignatureInput(body: Uint8Array): Uint8Array {
  return concat(DEVICE_LIST_LABEL, body);
}

/** body || vec16 signature: the list as it travels. */
export function encodeDeviceList(body: Uint8Array, signature: Uint8Array): Uint8Array {
  return new Writer().bytes(body).vec16(signature).finish();
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses a device list and verifies it: the signature by `identity`'s signing key, the name and
 * identity fingerprint it states, every device id derived from its key, no key twice, canonical
 * Ed25519 keys, no trailing bytes. Throws BAD_DEVICE_LIST saying what is wrong.
 */
export async function parseDeviceList(bytes: Uint8Array, identity: PublicBundle, name: string): Promise<DeviceList> {
  expectBytes(bytes, undefined, 'device list');
  expectBundle(identity, 'identity');
  if (bytes.byteLength > MAX_DEVICE_LIST_BYTES) throw new CryptoError('BAD_DEVICE_LIST', `device list over ${MAX_DEVICE_LIST_BYTES} bytes`);
  const r = new Reader(bytes, 'BAD_DEVICE_LIST');
  const magic = r.bytes(4, 'magic');
  if (!constantTimeEqual(magic, DEVICE_LIST_MAGIC)) throw new CryptoError('BAD_DEVICE_LIST', 'not a device list (magic)');
  const listName = r.name8('name');
  const identityFingerprint = copyBytes(r.bytes(32, 'identity fingerprint'));
  const version = r.u64('version');
  const issuedAt = r.u64('issued_at');
  const n = r.u8('device count');
  if (n === 0 || n > MAX_DEVICES) throw new CryptoError('BAD_DEVICE_LIST', `device count ${n}: expected 1-${MAX_DEVICES}`);
  const devices: DeviceEntry[] = [];
  for (let i = 0; i < n; i++) {
    const id = copyBytes(r.bytes(16, 'device id'));
    const key = copyBytes(r.bytes(32, 'device key'));
    const addedAt = r.u64('added_at');
    const labelBytes = r.bytes(r.u8('label length'), 'label');
    let label: string;
    try {
      label = utf8Strict.decode(labelBytes);
    } catch {
      throw new CryptoError('BAD_DEVICE_LIST', 'device label is not UTF-8');
    }
    checkLabel(label);
    devices.push({ id, key, addedAt, label });
  }
  const bodyEnd = r.offset;
  const signature = r.vec16('signature');
  r.end('device list');

  if (listName !== name) throw new CryptoError('BAD_DEVICE_LIST', 'device list names another account');
  if (!constantTimeEqual(identityFingerprint, identity.fingerprint)) {
    throw new CryptoError('BAD_DEVICE_LIST', 'device list names another identity key');
  }
  const seen = new Set<string>();
  for (const d of devices) {
    if (!isCanonicalEd25519(d.key)) throw new CryptoError('BAD_DEVICE_LIST', 'device key is not a canonical Ed25519 public key');
    if (!constantTimeEqual(d.id, await deviceIdOf(d.key))) throw new CryptoError('BAD_DEVICE_LIST', 'device id does not match its key');
    const k = d.id.join(',');
    if (seen.has(k)) throw new CryptoError('BAD_DEVICE_LIST', 'a device appears twice');
    seen.add(k);
  }
  const body = bytes.subarray(0, bodyEnd);
  if (!(await verifySignature(identity.suite, identity.signingKey, deviceListSignatureInput(body), copyBytes(signature)))) {
    throw new CryptoError('BAD_DEVICE_LIST', 'device list signature does not verify with the identity key');
  }
  return { name: listName, identityFingerprint, version, issuedAt, devices, bytes: copyBytes(bytes) };
}

/** The entry of `deviceId` in the list, if the list names it. */
export function findDevice(list: DeviceListContent, deviceId: Uint8Array): DeviceEntry | undefined {
  return list.devices.find((d) => constantTimeEqual(d.id, deviceId));
}

/** Imports a device's raw Ed25519 public key for verification. */
export async function importDeviceKey(key: Uint8Array): Promise<CryptoKey> {
  expectBytes(key, 32, 'device key');
  try {
    return await crypto.subtle.importKey('raw', buf(key), { name: 'Ed25519' }, true, ['verify']);
  } catch {
    throw new CryptoError('BAD_DEVICE_LIST', 'device key is not an Ed25519 public key');
  }
}

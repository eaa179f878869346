// sealcast's MLS credential: an MLS basic credential (RFC 9420 §5.3) whose identity bytes name
// the account and the device, so every member of a group can tell whose device a leaf is:
//
//   identity = "SCM1" (4 bytes, ASCII) || name_len (u8, 1-255) || name (UTF-8) || device_id (16 bytes)
//
// One encoding per identity: no trailing bytes, the name strictly UTF-8 and well-formed. The
// account name rules (characters, case) live in protocol/names.ts; this layer only refuses what
// could not be a name at all. The credential binds nothing by itself: the client's authentication
// check (./auth-hook.ts) decides whether the leaf's signature key belongs to that device.
import { MAX_NAME_BYTES, expectName } from '../bytes.js';
import { isCryptoError } from '../crypto-error.js';
import { MlsError } from './mls-error.js';

/** The four magic bytes that start every sealcast credential identity ("SCM1", version 1). */
export const CREDENTIAL_MAGIC = Uint8Array.of(0x53, 0x43, 0x4d, 0x31);

/** Bytes of a device id. */
export const DEVICE_ID_BYTES = 16;

/** Longest account name in UTF-8 bytes (it travels with a u8 length). */
export const MAX_CREDENTIAL_NAME_BYTES = MAX_NAME_BYTES;

/** Who a leaf is: the account name and one of its devices. */
export interface MlsIdentity {
  name: string;
  deviceId: Uint8Array;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Checks a device id argument (16 bytes); the error names the argument. */
export function expectDeviceId(value: unknown, what = 'deviceId'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MlsError('BAD_INPUT', `${what}: expected Uint8Array of length ${DEVICE_ID_BYTES}`);
  if (value.byteLength !== DEVICE_ID_BYTES) {
    throw new MlsError('BAD_INPUT', `${what}: expected Uint8Array of length ${DEVICE_ID_BYTES}, got length=${value.byteLength}`);
  }
  return value;
}

/** Checks an account name argument and returns its UTF-8 bytes (1-255 bytes of well-formed Unicode, the crypto layer's name rule). */
export function expectAccountName(value: unknown, what = 'name'): Uint8Array {
  try {
    return expectName(value, what);
  } catch (e) {
    if (isCryptoError(e)) throw new MlsError('BAD_INPUT', e.message);
    throw e;
  }
}

/** The identity bytes of a sealcast credential for (name, deviceId). */
export function encodeCredentialIdentity(name: string, deviceId: Uint8Array): Uint8Array {
  const nameBytes = expectAccountName(name);
  expectDeviceId(deviceId);
  const out = new Uint8Array(CREDENTIAL_MAGIC.byteLength + 1 + nameBytes.byteLength + DEVICE_ID_BYTES);
  out.set(CREDENTIAL_MAGIC, 0);
  out[CREDENTIAL_MAGIC.byteLength] = nameBytes.byteLength;
  out.set(nameBytes, CREDENTIAL_MAGIC.byteLength + 1);
  out.set(deviceId, CREDENTIAL_MAGIC.byteLength + 1 + nameBytes.byteLength);
  return out;
}

/**
 * Parses credential identity bytes. Throws BAD_CREDENTIAL saying exactly what is wrong (magic,
 * length, name, trailing bytes); the returned device id is a copy, never a view into the input.
 */
export function parseCredentialIdentity(identity: Uint8Array): MlsIdentity {
  if (!(identity instanceof Uint8Array)) throw new MlsError('BAD_INPUT', 'identity: expected Uint8Array');
  const magic = CREDENTIAL_MAGIC.byteLength;
  if (identity.byteLength < magic + 1 + 1 + DEVICE_ID_BYTES) {
    throw new MlsError('BAD_CREDENTIAL', `credential identity: expected at least ${magic + 2 + DEVICE_ID_BYTES} bytes, got length=${identity.byteLength}`);
  }
  for (let i = 0; i < magic; i++) {
    if (identity[i] !== CREDENTIAL_MAGIC[i]) throw new MlsError('BAD_CREDENTIAL', 'credential identity: does not start with "SCM1"');
  }
  const nameLength = identity[magic]!;
  if (nameLength === 0) throw new MlsError('BAD_CREDENTIAL', 'credential identity: empty name');
  const expected = magic + 1 + nameLength + DEVICE_ID_BYTES;
  if (identity.byteLength !== expected) {
    const what = identity.byteLength < expected ? 'truncated' : 'trailing bytes';
    throw new MlsError('BAD_CREDENTIAL', `credential identity: ${what} (name of ${nameLength} bytes needs length=${expected}, got length=${identity.byteLength})`);
  }
  let name: string;
  try {
    name = utf8Strict.decode(identity.subarray(magic + 1, magic + 1 + nameLength));
  } catch {
    throw new MlsError('BAD_CREDENTIAL', 'credential identity: name is not UTF-8');
  }
  return { name, deviceId: identity.slice(magic + 1 + nameLength) };
}

// The persistent form of a group state, for the client's crash-safe store:
//
//   "SCG1" (4) || u32 body length || body (ts-mls 1.6 GroupState encoding) || SHA-256(everything before) (32)
//
// It holds secrets (epoch secrets, private path keys, the signing key): store it as the identity
// is stored. The checksum makes damage fail loudly (BAD_STATE) instead of decoding into a state
// that silently cannot decrypt. A new library encoding gets a new magic ("SCG2") and a migration.
import { decodeGroupState, encodeGroupState } from 'ts-mls';
import { sha256 } from '@noble/hashes/sha2.js';
import { AuthRecord, operationConfig } from './auth-hook.js';
import { unwrap, wrap, type MlsGroupState } from './group-state.js';
import { MlsError } from './mls-error.js';

/** Magic of an encoded group state ("SCG1": version 1, ts-mls 1.6 GroupState inside). */
export const STATE_MAGIC = Uint8Array.of(0x53, 0x43, 0x47, 0x31);
const HEADER = STATE_MAGIC.byteLength + 4;
const CHECKSUM = 32;

/** Largest encoded state accepted (64 MiB: a 10,000-member tree with its kept epochs fits well below). */
export const MAX_STATE_BYTES = 64 * 1024 * 1024;

/** The bytes to persist for `state`. */
export function encodeState(state: MlsGroupState): Uint8Array {
  const body = encodeGroupState(unwrap(state));
  const out = new Uint8Array(HEADER + body.byteLength + CHECKSUM);
  out.set(STATE_MAGIC, 0);
  new DataView(out.buffer).setUint32(STATE_MAGIC.byteLength, body.byteLength);
  out.set(body, HEADER);
  out.set(sha256(out.subarray(0, HEADER + body.byteLength)), HEADER + body.byteLength);
  return out;
}

/** A state back from encodeState's bytes; BAD_STATE (saying what) for anything else. */
export function decodeState(bytes: Uint8Array): MlsGroupState {
  if (!(bytes instanceof Uint8Array)) throw new MlsError('BAD_INPUT', 'decodeState: expected Uint8Array');
  if (bytes.byteLength > MAX_STATE_BYTES) throw new MlsError('BAD_STATE', `decodeState: ${bytes.byteLength} bytes is over the ${MAX_STATE_BYTES}-byte limit`);
  if (bytes.byteLength < HEADER + CHECKSUM) throw new MlsError('BAD_STATE', `decodeState: truncated (length=${bytes.byteLength})`);
  if (!STATE_MAGIC.every((b, i) => bytes[i] === b)) {
    const scg = bytes[0] === 0x53 && bytes[1] === 0x43 && bytes[2] === 0x47;
    throw new MlsError('BAD_STATE', scg ? `decodeState: unknown state version "SCG${String.fromCharCode(bytes[3]!)}"` : 'decodeState: does not start with "SCG1"');
  }
  const bodyLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(STATE_MAGIC.byteLength);
  if (bytes.byteLength !== HEADER + bodyLength + CHECKSUM) {
    throw new MlsError('BAD_STATE', `decodeState: expected length=${HEADER + bodyLength + CHECKSUM} for a ${bodyLength}-byte body, got length=${bytes.byteLength}`);
  }
  const digest = sha256(bytes.subarray(0, HEADER + bodyLength));
  const stored = bytes.subarray(HEADER + bodyLength);
  let diff = 0;
  for (let i = 0; i < CHECKSUM; i++) diff |= digest[i]! ^ stored[i]!;
  if (diff !== 0) throw new MlsError('BAD_STATE', 'decodeState: checksum mismatch (the stored state is damaged)');
  const body = bytes.slice(HEADER, HEADER + bodyLength);
  let decoded;
  try {
    decoded = decodeGroupState(body, 0);
  } catch (e) {
    throw new MlsError('BAD_STATE', `decodeState: the group state does not decode (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (decoded === undefined) throw new MlsError('BAD_STATE', 'decodeState: the group state does not decode');
  if (decoded[1] !== bodyLength) throw new MlsError('BAD_STATE', `decodeState: ${bodyLength - decoded[1]} trailing bytes in the group state`);
  // The stored state has no client config (it holds functions); every operation sets its own.
  return wrap({ ...decoded[0], clientConfig: operationConfig(() => false, new AuthRecord()) });
}

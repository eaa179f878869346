// Creating a group (RFC 9420 §11): the creator is its only member, at epoch 0.
import { createGroup as libraryCreateGroup } from 'ts-mls';
import { AuthRecord, operationConfig, type CredentialCheck } from './auth-hook.js';
import { expectDevice, type MlsDevice } from './device.js';
import { wrap, type MlsGroupState } from './group-state.js';
import { makeKeyPackage } from './key-packages.js';
import { guarded } from './library-errors.js';
import { MlsError } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';

/** Longest group id, in bytes (sealcast uses 16-byte random conversation ids). */
export const MAX_GROUP_ID_BYTES = 255;

/** Checks a group id argument: 1-255 bytes. */
export function expectGroupId(value: unknown, what = 'groupId'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MlsError('BAD_INPUT', `${what}: expected Uint8Array`);
  if (value.byteLength < 1 || value.byteLength > MAX_GROUP_ID_BYTES) {
    throw new MlsError('BAD_INPUT', `${what}: expected 1-${MAX_GROUP_ID_BYTES} bytes, got length=${value.byteLength}`);
  }
  return value;
}

/** A new group with this device as its one member. */
export async function createGroup(check: CredentialCheck, groupId: Uint8Array, device: MlsDevice): Promise<MlsGroupState> {
  expectGroupId(groupId);
  expectDevice(device);
  const { keyPackage, privatePackage } = await makeKeyPackage(device);
  const record = new AuthRecord();
  const cs = await guarded('createGroup', record, () => libraryCreateGroup(groupId.slice(), keyPackage, privatePackage, [], suite1, operationConfig(check, record)));
  return wrap(cs);
}

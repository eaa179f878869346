// The device an MLS operation acts as: the account name, the device id and its signing key.
import { expectAccountName, expectDeviceId } from './credential.js';
import { MlsError } from './mls-error.js';
import { expectSigningKey, type MlsSigningKey } from './signing-key.js';

/** One device of an account, as the MLS adapter needs it (the credential and the key that signs for it). */
export interface MlsDevice {
  /** The account name (carried in the credential). */
  name: string;
  /** The device's 16-byte id (carried in the credential). */
  deviceId: Uint8Array;
  /** The device's MLS signing key (its public half is the leaf's signature key). */
  signingKey: MlsSigningKey;
}

/** Checks a device argument at the API edge. */
export function expectDevice(value: unknown, what = 'device'): MlsDevice {
  if (value === null || typeof value !== 'object') throw new MlsError('BAD_INPUT', `${what}: expected { name, deviceId, signingKey }`);
  const d = value as MlsDevice;
  expectAccountName(d.name, `${what}.name`);
  expectDeviceId(d.deviceId, `${what}.deviceId`);
  expectSigningKey(d.signingKey, `${what}.signingKey`);
  return d;
}

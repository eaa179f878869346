// Test helpers (imported by *.test.ts only): devices with fresh keys, and a registry that plays
// the client's authentication check (device list per account), with a switch to refuse one.
import { generateSigningKey } from '../../src/crypto/mls/signing-key.js';
import type { MlsDevice } from '../../src/crypto/mls/device.js';
import { MlsClient } from '../../src/crypto/mls/mls-client.js';

/** A device of `name` with a random id and a fresh signing key. */
export async function makeDevice(name: string): Promise<MlsDevice> {
  return { name, deviceId: crypto.getRandomValues(new Uint8Array(16)), signingKey: await generateSigningKey() };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The known devices of every account, as a client would hold them (signed device lists). */
export class DeviceDirectory {
  private readonly known = new Map<string, string>();
  /** How many times the check ran (tests assert it ran where it must). */
  calls = 0;
  add(d: MlsDevice): void {
    this.known.set(`${d.name}/${hex(d.deviceId)}`, hex(d.signingKey.publicKey));
  }
  forget(d: MlsDevice): void {
    this.known.delete(`${d.name}/${hex(d.deviceId)}`);
  }
  check = (name: string, deviceId: Uint8Array, signaturePublicKey: Uint8Array): boolean => {
    this.calls++;
    return this.known.get(`${name}/${hex(deviceId)}`) === hex(signaturePublicKey);
  };
  client(): MlsClient {
    return new MlsClient({ authenticate: this.check });
  }
}

// What every sealcast leaf says about itself (RFC 9420 §7.2 capabilities), in one place: the
// key packages, the group creator's leaf and an external joiner's leaf are all made from it.
import type { Capabilities, Credential } from 'ts-mls';
import { encodeCredentialIdentity } from './credential.js';
import { SUITE_1 } from './provider/suite-impl.js';

/**
 * The last_resort KeyPackage extension (draft-ietf-mls-extensions §5, IANA value 0x000A): marks
 * the one package a delivery service may hand out again when a device's others are used up.
 * ts-mls 1.6 does not know the type by name; it carries it as a number.
 */
export const LAST_RESORT_EXTENSION = 0x000a;

/** Capabilities of a sealcast leaf: MLS 1.0, suite 1 only, basic credentials, last_resort understood. */
export function sealcastCapabilities(): Capabilities {
  return { versions: ['mls10'], ciphersuites: [SUITE_1], extensions: [LAST_RESORT_EXTENSION], proposals: [], credentials: ['basic'] };
}

/** The basic credential of a device. */
export function deviceCredential(name: string, deviceId: Uint8Array): Credential {
  return { credentialType: 'basic', identity: encodeCredentialIdentity(name, deviceId) };
}

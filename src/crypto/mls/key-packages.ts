// Key packages (RFC 9420 §10): what a device publishes so others can add it to groups while it
// is offline. Each is one-time (its init key opens exactly one Welcome) except the last-resort
// package, which the delivery service may hand out again when the others are used up.
import { generateKeyPackageWithKey, type KeyPackage, type PrivateKeyPackage } from 'ts-mls';
import { encodeKeyPackagePrivate } from './key-package-private.js';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { parseCredentialIdentity } from './credential.js';
import { expectDevice, type MlsDevice } from './device.js';
import { LAST_RESORT_EXTENSION, deviceCredential, sealcastCapabilities } from './leaf-profile.js';
import { guarded } from './library-errors.js';
import { decodeMessage, encodeMessage } from './mls-message.js';
import { MlsError } from './mls-error.js';
import { SUITE_1, suite1 } from './provider/suite-impl.js';

/** Default lifetime of a key package: 90 days (the client tops up and replaces well before). */
export const DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS = 90 * 24 * 3600;

/** A key package starts one hour in the past, so a peer whose clock runs behind still accepts it. */
export const KEY_PACKAGE_CLOCK_SKEW_SECONDS = 3600;

/** Most key packages one call makes (a batch upload is bounded by the delivery service too). */
export const MAX_KEY_PACKAGES_PER_CALL = 1000;

/** A generated key package: what to publish, its reference, and what the device keeps. */
export interface MlsKeyPackage {
  /** The encoded MLSMessage carrying the KeyPackage (what the delivery service stores and hands out). */
  publicBytes: Uint8Array;
  /** Its KeyPackageRef (RFC 9420 §5.2): how Welcomes and the delivery service name it. */
  ref: Uint8Array;
  /** Secret: what the device keeps to join with it (see key-package-private.ts for the layout). */
  privateBytes: Uint8Array;
  /** True for the last-resort package. */
  lastResort: boolean;
}

/** What a key package says, once its signatures are checked. */
export interface MlsKeyPackageInfo {
  ref: Uint8Array;
  name: string;
  deviceId: Uint8Array;
  signaturePublicKey: Uint8Array;
  lastResort: boolean;
  /** Lifetime bounds, seconds since the Unix epoch. */
  notBefore: number;
  notAfter: number;
}

/** Options of generateKeyPackages. */
export interface KeyPackageOptions {
  /** Mark the packages last-resort (normally one such package per device). */
  lastResort?: boolean;
  /** Lifetime in seconds (default 90 days). */
  lifetimeSeconds?: number;
}

/** Makes one key package (also the leaf of a group creator or an external joiner). */
export async function makeKeyPackage(device: MlsDevice, options: KeyPackageOptions = {}): Promise<{ keyPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  const lifetime = options.lifetimeSeconds ?? DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS;
  if (!Number.isSafeInteger(lifetime) || lifetime <= 0) throw new MlsError('BAD_INPUT', `lifetimeSeconds: expected a positive integer, got ${String(lifetime)}`);
  const now = Math.floor(Date.now() / 1000);
  const extensions = options.lastResort === true ? [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array(0) }] : [];
  const made = await guarded('generateKeyPackages', undefined, () =>
    generateKeyPackageWithKey(
      deviceCredential(device.name, device.deviceId),
      sealcastCapabilities(),
      { notBefore: BigInt(now - KEY_PACKAGE_CLOCK_SKEW_SECONDS), notAfter: BigInt(now + lifetime) },
      extensions,
      { signKey: device.signingKey.privateKey, publicKey: device.signingKey.publicKey },
      suite1,
    ),
  );
  return { keyPackage: made.publicPackage, privatePackage: made.privatePackage };
}

/** Generates `count` key packages for a device (all last-resort when options.lastResort). */
export async function generateKeyPackages(device: MlsDevice, count: number, options: KeyPackageOptions = {}): Promise<MlsKeyPackage[]> {
  expectDevice(device);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_KEY_PACKAGES_PER_CALL) {
    throw new MlsError('BAD_INPUT', `count: expected an integer 1-${MAX_KEY_PACKAGES_PER_CALL}, got ${String(count)}`);
  }
  const out: MlsKeyPackage[] = [];
  for (let i = 0; i < count; i++) {
    const { keyPackage, privatePackage } = await makeKeyPackage(device, options);
    const publicBytes = encodeMessage({ wireformat: 'mls_key_package', keyPackage });
    out.push({
      publicBytes,
      ref: await makeKeyPackageRef(keyPackage, suite1.hash),
      privateBytes: encodeKeyPackagePrivate(publicBytes, privatePackage),
      lastResort: options.lastResort === true,
    });
  }
  return out;
}

/** A u64 of seconds as a JS number (clamped: beyond 2^53 s is "never" anyway). */
function seconds(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/**
 * Decodes a key package and checks it: suite 1, MLS 1.0, a sealcast credential, both signatures
 * (the KeyPackage's and its leaf's). Does not consult the authentication hook; addMembers does.
 */
export async function inspectKeyPackage(publicBytes: Uint8Array, what = 'keyPackage'): Promise<{ info: MlsKeyPackageInfo; keyPackage: KeyPackage }> {
  const keyPackage = decodeMessage(publicBytes, ['mls_key_package'], what).keyPackage;
  if (keyPackage.cipherSuite !== SUITE_1) throw new MlsError('REJECTED', `${what}: cipher suite ${keyPackage.cipherSuite} is not ${SUITE_1}`);
  if (keyPackage.version !== 'mls10') throw new MlsError('REJECTED', `${what}: version is not mls10`);
  const credential = keyPackage.leafNode.credential;
  if (credential.credentialType !== 'basic') throw new MlsError('BAD_CREDENTIAL', `${what}: not a basic credential`);
  let identity;
  try {
    identity = parseCredentialIdentity(credential.identity);
  } catch (e) {
    if (e instanceof MlsError) throw new MlsError(e.code, `${what}: ${e.message}`);
    throw e;
  }
  const signed = await guarded(what, undefined, async () => (await verifyKeyPackage(keyPackage, suite1.signature)) && (await verifyLeafNodeSignatureKeyPackage(keyPackage.leafNode, suite1.signature)));
  if (!signed) throw new MlsError('BAD_SIGNATURE', `${what}: signature does not verify`);
  const lifetime = keyPackage.leafNode.lifetime;
  return {
    keyPackage,
    info: {
      ref: await makeKeyPackageRef(keyPackage, suite1.hash),
      name: identity.name,
      deviceId: identity.deviceId,
      signaturePublicKey: keyPackage.leafNode.signaturePublicKey.slice(),
      lastResort: keyPackage.extensions.some((x) => x.extensionType === LAST_RESORT_EXTENSION),
      notBefore: seconds(lifetime.notBefore),
      notAfter: seconds(lifetime.notAfter),
    },
  };
}

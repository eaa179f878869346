// The authentication hook: every credential an operation meets (a key package being added, the
// leaves of a tree being joined, a committer's new leaf, the sender of each message) goes through
// the caller's check, which for sealcast is "is this signature key a device of that account, in
// the device list its identity key signed?". ts-mls asks its AuthenticationService; this file
// gives it one per operation that records what was refused, so the operation can fail with
// CREDENTIAL_REFUSED and say whose credential it was.
import type { ClientConfig, Credential } from 'ts-mls';
import { defaultKeyPackageEqualityConfig } from 'ts-mls';
import { parseCredentialIdentity } from './credential.js';
import { MlsError, isMlsError, type RefusedCredential } from './mls-error.js';

/**
 * The caller's verdict on a credential: true to accept (exactly `true`; anything else refuses).
 * A throw fails the operation with that very error.
 */
export type CredentialCheck = (name: string, deviceId: Uint8Array, signaturePublicKey: Uint8Array) => boolean | Promise<boolean>;

/** What one operation's authentication service saw: refusals, malformed credentials, a throwing hook. */
export class AuthRecord {
  readonly refused: RefusedCredential[] = [];
  readonly malformed: string[] = [];
  hookFailed = false;
  hookError: unknown;
}

/**
 * Key retention (RFC 9420 §9.2, §14): messages of the 4 previous epochs stay readable; per sender,
 * 10 skipped generations are kept and a message at most 1,000 generations ahead is accepted. The
 * delivery service hands a device its messages in order, so gaps come only from loss.
 */
export const KEY_RETENTION = Object.freeze({ retainKeysForEpochs: 4, retainKeysForGenerations: 10, maximumForwardRatchetSteps: 1000 });

/** Pad every PrivateMessage's content to at least 256 bytes (RFC 9420 §6.3.1), hiding short lengths. */
export const PADDING = Object.freeze({ kind: 'padUntilLength' as const, padUntilLength: 256 });

/** Accepts or refuses one credential (the hook behind an operation's record, or a test's stand-in). */
export type CredentialGate = (credential: Credential, signaturePublicKey: Uint8Array) => Promise<boolean>;

/**
 * The error to throw when a gate said no: the hook's own error if it threw, BAD_CREDENTIAL when the
 * credential was not a sealcast one, else CREDENTIAL_REFUSED naming who (in `refused`).
 */
export function credentialFailure(record: AuthRecord, message: string): unknown {
  if (record.hookFailed) return record.hookError;
  if (record.refused.length === 0 && record.malformed.length > 0) return new MlsError('BAD_CREDENTIAL', `${message}: ${record.malformed[record.malformed.length - 1]}`);
  return new MlsError('CREDENTIAL_REFUSED', message, { refused: record.refused });
}

/** The gate of an operation: the caller's check, recorded in `record`. */
export function gateOf(check: CredentialCheck, record: AuthRecord): CredentialGate {
  return (credential, signaturePublicKey) => checkCredential(check, record, credential, signaturePublicKey);
}

/** Runs the caller's check on one credential (a message sender's, or for ts-mls) and records the outcome. */
export async function checkCredential(check: CredentialCheck, record: AuthRecord, credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
  if (credential.credentialType !== 'basic') {
    record.malformed.push(`a ${credential.credentialType} credential (sealcast uses basic credentials only)`);
    return false;
  }
  let identity;
  try {
    identity = parseCredentialIdentity(credential.identity);
  } catch (e) {
    if (!isMlsError(e)) throw e;
    record.malformed.push(e.message);
    return false;
  }
  let verdict: unknown;
  try {
    verdict = await check(identity.name, identity.deviceId, signaturePublicKey.slice());
  } catch (e) {
    record.hookFailed = true;
    record.hookError = e;
    return false;
  }
  if (verdict !== true) record.refused.push({ name: identity.name, deviceId: identity.deviceId });
  return verdict === true;
}

/** The ts-mls ClientConfig for one operation: sealcast's retention, padding and lifetime rules, and the hook. */
export function operationConfig(check: CredentialCheck, record: AuthRecord): ClientConfig {
  return {
    keyRetentionConfig: { ...KEY_RETENTION },
    // Key package lifetimes are checked when a package is used to add (RFC 9420 §10.1), not for
    // leaves already in a tree: a member who has not updated for months is still a member.
    lifetimeConfig: { maximumTotalLifetime: 2n ** 62n, validateLifetimeOnReceive: false },
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: { ...PADDING },
    authService: {
      validateCredential: (credential, signaturePublicKey) => checkCredential(check, record, credential, signaturePublicKey),
    },
  };
}

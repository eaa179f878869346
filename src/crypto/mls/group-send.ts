// What a member sends besides commits: application messages (RFC 9420 §6.3, PrivateMessage,
// encrypted with this device's next key from the secret tree and signed with its signing key)
// and its own leave proposal.
import { createApplicationMessage, createProposal, type ClientState } from 'ts-mls';
import { AuthRecord, operationConfig, type CredentialCheck } from './auth-hook.js';
import { expectActive, unwrap, wrap, type MlsGroupState } from './group-state.js';
import { guarded } from './library-errors.js';
import { encodeMessage } from './mls-message.js';
import { MlsError } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';

/** Largest plaintext one application message carries (the encoded message stays well under the decode limit). */
export const MAX_PLAINTEXT_BYTES = 1024 * 1024;

/** Largest authenticated data (sent in clear, bound to the ciphertext). */
export const MAX_AUTHENTICATED_DATA_BYTES = 4096;

/** An application message and the state after it (the sending key it used is gone from that state). */
export interface MlsSealed {
  /** The encoded MLSMessage(PrivateMessage). */
  message: Uint8Array;
  state: MlsGroupState;
}

function bytesArg(value: unknown, max: number, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new MlsError('BAD_INPUT', `${what}: expected Uint8Array`);
  if (value.byteLength > max) throw new MlsError('BAD_INPUT', `${what}: at most ${max} bytes, got length=${value.byteLength}`);
  return value;
}

/**
 * Encrypts an application message for the group's current epoch. `authenticatedData` travels in
 * clear and is authenticated (RFC 9420 §6.3.2). PENDING_PROPOSALS while received proposals wait to
 * be committed (RFC 9420 §12.2: commit them first, e.g. with selfUpdate).
 */
export async function encrypt(check: CredentialCheck, state: MlsGroupState, plaintext: Uint8Array, authenticatedData: Uint8Array = new Uint8Array(0)): Promise<MlsSealed> {
  bytesArg(plaintext, MAX_PLAINTEXT_BYTES, 'plaintext');
  bytesArg(authenticatedData, MAX_AUTHENTICATED_DATA_BYTES, 'authenticatedData');
  const cs = unwrap(state);
  expectActive(cs, 'encrypt');
  const record = new AuthRecord();
  const withHook: ClientState = { ...cs, clientConfig: operationConfig(check, record) };
  const result = await guarded('encrypt', record, () => createApplicationMessage(withHook, plaintext, suite1, authenticatedData));
  return {
    message: encodeMessage({ wireformat: 'mls_private_message', privateMessage: result.privateMessage }),
    state: wrap(result.newState),
  };
}

/**
 * A proposal to remove this device (RFC 9420 §12.1.3), for leaving: a device cannot commit its
 * own removal, so it asks; the next commit by any other member carries it out. Until then this
 * device cannot send (its proposal is pending).
 */
export async function proposeLeave(check: CredentialCheck, state: MlsGroupState): Promise<{ proposal: Uint8Array; state: MlsGroupState }> {
  const cs = unwrap(state);
  expectActive(cs, 'proposeLeave');
  const record = new AuthRecord();
  const withHook: ClientState = { ...cs, clientConfig: operationConfig(check, record) };
  const result = await guarded('proposeLeave', record, () =>
    createProposal(withHook, false, { proposalType: 'remove', remove: { removed: cs.privatePath.leafIndex } }, suite1),
  );
  return { proposal: encodeMessage(result.message), state: wrap(result.newState) };
}

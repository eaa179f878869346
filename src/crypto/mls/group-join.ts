// Joining a group: from a Welcome made for one of this device's key packages (RFC 9420 §12.4.3.1),
// or by external commit from the group's GroupInfo (§12.4.3.2), which needs no member online:
// a device that was offline longer than its queue is kept rejoins this way.
import { AuthRecord, gateOf, operationConfig, type CredentialCheck } from './auth-hook.js';
import { expectDevice, type MlsDevice } from './device.js';
import { wrap, type MlsGroupState } from './group-state.js';
import { externalJoin } from './join-external.js';
import { stateFromWelcome } from './join-welcome.js';
import { decodeKeyPackagePrivate } from './key-package-private.js';
import { makeKeyPackage } from './key-packages.js';
import { guarded } from './library-errors.js';
import { decodeMessage, encodeMessage } from './mls-message.js';

/**
 * Joins from a Welcome (encoded MLSMessage) with the private bytes of the key package it was made
 * for. The Welcome must carry the ratchet tree (sealcast's always do). Every leaf of the tree and
 * the GroupInfo's signer go through the authentication hook.
 */
export async function joinFromWelcome(check: CredentialCheck, welcome: Uint8Array, keyPackagePrivate: Uint8Array): Promise<MlsGroupState> {
  const w = decodeMessage(welcome, ['mls_welcome'], 'joinFromWelcome').welcome;
  const { keyPackage, privatePackage } = decodeKeyPackagePrivate(keyPackagePrivate);
  const record = new AuthRecord();
  const cs = await guarded('joinFromWelcome', record, () => stateFromWelcome(w, keyPackage, privatePackage, gateOf(check, record), record, operationConfig(check, record)));
  return wrap(cs);
}

/**
 * Joins by external commit from the group's GroupInfo (encoded MLSMessage with ratchet tree and
 * external public key). Returns the commit (a PublicMessage, as RFC 9420 requires) for the
 * delivery service and the state to adopt once it accepts it. When the tree still holds a leaf
 * with this device's signature key (it was a member and fell behind), the commit removes that
 * old leaf in the same step (a resync, RFC 9420 §12.4.3.2).
 */
export async function joinExternal(check: CredentialCheck, groupInfo: Uint8Array, device: MlsDevice): Promise<{ commit: Uint8Array; state: MlsGroupState; resync: boolean }> {
  const gi = decodeMessage(groupInfo, ['mls_group_info'], 'joinExternal').groupInfo;
  expectDevice(device);
  const { keyPackage, privatePackage } = await makeKeyPackage(device);
  const record = new AuthRecord();
  const result = await guarded('joinExternal', record, () => externalJoin(gi, keyPackage, privatePackage, gateOf(check, record), record, operationConfig(check, record)));
  return { commit: encodeMessage({ wireformat: 'mls_public_message', publicMessage: result.publicMessage }), state: wrap(result.state), resync: result.resync };
}

// GroupInfo (RFC 9420 §12.4.3): the signed, public description of a group's current epoch that a
// device needs to join it by external commit. Ours always carries the ratchet tree (ratchet_tree
// extension, §12.4.3.3) and the external public key (external_pub, §12.4.3.2), so it alone is
// enough; the delivery service keeps the latest one per conversation.
import { createGroupInfoWithExternalPubAndRatchetTree, type ClientState } from 'ts-mls';
import { guarded } from './library-errors.js';
import { unwrap, expectActive, type MlsGroupState } from './group-state.js';
import { encodeMessage } from './mls-message.js';
import { suite1 } from './provider/suite-impl.js';

/** The encoded MLSMessage(GroupInfo) of a library state. */
export async function groupInfoOf(cs: ClientState): Promise<Uint8Array> {
  const groupInfo = await guarded('groupInfo', undefined, () => createGroupInfoWithExternalPubAndRatchetTree(cs, [], suite1));
  return encodeMessage({ wireformat: 'mls_group_info', groupInfo });
}

/** The group's current GroupInfo, signed by this device, with the ratchet tree and external public key. */
export async function groupInfo(state: MlsGroupState): Promise<Uint8Array> {
  const cs = unwrap(state);
  expectActive(cs, 'groupInfo');
  return groupInfoOf(cs);
}

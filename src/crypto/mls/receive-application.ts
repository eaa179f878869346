// Opening an application message (RFC 9420 §6.3). ts-mls's processPrivateMessage returns the
// plaintext but not who sent it; this opens the message with the library's unprotect step for the
// message's epoch (current, or one of the kept earlier epochs), which yields the authenticated
// sender leaf, and records the advanced secret tree the same way the library does.
import type { ClientState, PrivateMessage } from 'ts-mls';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { MlsError } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';

/** An opened application message: the sender's leaf (in its epoch's tree), data, and the new library state. */
export interface OpenedApplication {
  senderLeaf: number;
  /** The ratchet tree of the epoch the message was sent in (to name the sender). */
  senderTree: ClientState['ratchetTree'];
  plaintext: Uint8Array;
  authenticatedData: Uint8Array;
  next: ClientState;
}

/** Opens `pm` with `cs` (whose clientConfig carries the operation's retention rules). */
export async function openApplication(cs: ClientState, pm: PrivateMessage): Promise<OpenedApplication> {
  const current = pm.epoch === cs.groupContext.epoch;
  const past = current ? undefined : cs.historicalReceiverData.get(pm.epoch);
  if (!current && past === undefined) {
    const ahead = pm.epoch > cs.groupContext.epoch;
    throw new MlsError('WRONG_EPOCH', ahead
      ? `process: the message is from epoch ${pm.epoch}, ahead of this device's epoch ${cs.groupContext.epoch} (process the commits before it first)`
      : `process: the message is from epoch ${pm.epoch}, older than the epochs this device keeps (now ${cs.groupContext.epoch})`);
  }
  const receiver = past ?? { senderDataSecret: cs.keySchedule.senderDataSecret, secretTree: cs.secretTree, ratchetTree: cs.ratchetTree, groupContext: cs.groupContext };
  const result = await unprotectPrivateMessage(receiver.senderDataSecret, pm, receiver.secretTree, receiver.ratchetTree, receiver.groupContext, cs.clientConfig.keyRetentionConfig, suite1);
  const content = result.content.content;
  if (content.contentType !== 'application' || content.sender.senderType !== 'member') {
    throw new MlsError('REJECTED', 'process: the content of an application PrivateMessage is not application data from a member');
  }
  const next: ClientState = past === undefined
    ? { ...cs, secretTree: result.tree }
    : { ...cs, historicalReceiverData: new Map(cs.historicalReceiverData).set(pm.epoch, { ...past, secretTree: result.tree }) };
  return { senderLeaf: content.sender.leafIndex, senderTree: receiver.ratchetTree, plaintext: content.applicationData, authenticatedData: pm.authenticatedData, next };
}

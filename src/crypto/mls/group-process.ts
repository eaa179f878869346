// Processing what the delivery service delivers to a member: application messages, commits
// (its own epoch only) and proposals, each checked before anything is believed: the group id, the
// epoch, the signature, and the sender's credential through the authentication hook.
import { makePskIndex, processMessage, type ClientState, type IncomingMessageCallback, type MLSMessage } from 'ts-mls';
import { AuthRecord, checkCredential, credentialFailure, operationConfig, type CredentialCheck } from './auth-hook.js';
import { commitEffects } from './commit-effects.js';
import { leafNodeAt, memberOf, membersOf, type MlsMember } from './group-members.js';
import { expectActive, unwrap, wrap, type MlsGroupState } from './group-state.js';
import { guarded } from './library-errors.js';
import { decodeMessage } from './mls-message.js';
import { constantTimeEqual } from '../bytes.js';
import { MlsError } from './mls-error.js';
import { suite1 } from './provider/suite-impl.js';
import { openApplication } from './receive-application.js';

/** A proposal another member made (sealcast members propose only removals, e.g. leaving, and updates). */
export type MlsProposal = { type: 'remove'; target: MlsMember } | { type: 'update'; member: MlsMember };

/** What process() found. Every kind carries the state to continue with. */
export type MlsProcessed =
  | {
      kind: 'application';
      state: MlsGroupState;
      /** The epoch the message was sent in (it may be one of the kept earlier epochs). */
      epoch: number;
      sender: MlsMember;
      plaintext: Uint8Array;
      authenticatedData: Uint8Array;
    }
  | {
      kind: 'commit';
      state: MlsGroupState;
      /** The new epoch. */
      epoch: number;
      /** The committer (for an external commit, the device that joined). */
      sender: MlsMember;
      /** True for an external commit (RFC 9420 §12.4.3.2): a device joined without a Welcome. */
      external: boolean;
      added: MlsMember[];
      removed: MlsMember[];
      updated: MlsMember[];
      /** True when this commit removed this device: the state can do nothing more. */
      selfRemoved: boolean;
    }
  | {
      kind: 'proposal';
      state: MlsGroupState;
      epoch: number;
      sender: MlsMember;
      /** Queued: this device's next commit carries it, and it cannot send until some commit does. */
      proposal: MlsProposal;
    };

/** The member at `leaf` of `tree`, its credential checked by the hook (CREDENTIAL_REFUSED otherwise). */
async function checkedSender(check: CredentialCheck, record: AuthRecord, tree: ClientState['ratchetTree'], leaf: number, what: string): Promise<MlsMember> {
  const node = leafNodeAt(tree, leaf);
  if (node === undefined) throw new MlsError('REJECTED', `${what}: the sender's leaf ${leaf} is blank`);
  const member = memberOf(leaf, node);
  if (!(await checkCredential(check, record, node.credential, node.signaturePublicKey))) {
    throw credentialFailure(record, `${what}: the authentication check refused the sender (leaf ${leaf})`);
  }
  return member;
}

/** Clear framing of a handshake or application message: group id, epoch, content type. */
function framing(msg: MLSMessage & { wireformat: 'mls_private_message' | 'mls_public_message' }) {
  if (msg.wireformat === 'mls_private_message') return { groupId: msg.privateMessage.groupId, epoch: msg.privateMessage.epoch, contentType: msg.privateMessage.contentType };
  return { groupId: msg.publicMessage.content.groupId, epoch: msg.publicMessage.content.epoch, contentType: msg.publicMessage.content.contentType };
}

/** Processes one encoded MLSMessage (PrivateMessage or PublicMessage) delivered for this group. */
export async function processIncoming(check: CredentialCheck, state: MlsGroupState, bytes: Uint8Array): Promise<MlsProcessed> {
  const msg = decodeMessage(bytes, ['mls_private_message', 'mls_public_message'], 'process');
  const cs = unwrap(state);
  expectActive(cs, 'process');
  const { groupId, epoch, contentType } = framing(msg);
  if (!constantTimeEqual(groupId, cs.groupContext.groupId)) throw new MlsError('WRONG_GROUP', 'process: the message belongs to another group');
  const record = new AuthRecord();
  const withHook: ClientState = { ...cs, clientConfig: operationConfig(check, record) };

  if (contentType === 'application') {
    if (msg.wireformat !== 'mls_private_message') throw new MlsError('REJECTED', 'process: application data must come as a PrivateMessage (RFC 9420 §6.2)');
    const opened = await guarded('process', record, () => openApplication(withHook, msg.privateMessage));
    const sender = await checkedSender(check, record, opened.senderTree, opened.senderLeaf, 'process');
    return { kind: 'application', state: wrap(opened.next), epoch: Number(epoch), sender, plaintext: opened.plaintext, authenticatedData: opened.authenticatedData };
  }

  if (epoch !== cs.groupContext.epoch) {
    throw new MlsError('WRONG_EPOCH', `process: a ${contentType} for epoch ${epoch}, but this device is at epoch ${cs.groupContext.epoch} (handshake messages count only in their own epoch)`);
  }
  let seen: Parameters<IncomingMessageCallback>[0] | undefined;
  let refusal: string | undefined;
  const callback: IncomingMessageCallback = (incoming) => {
    seen = incoming;
    if (incoming.kind === 'commit' && incoming.senderLeafIndex === cs.privatePath.leafIndex) {
      refusal = "this device's own commit (adopt the state the commit call returned instead of processing it)";
      return 'reject';
    }
    if (incoming.kind === 'proposal') {
      const type = incoming.proposal.proposal.proposalType;
      if (type !== 'remove' && type !== 'update') {
        refusal = `a ${String(type)} proposal (sealcast members propose only removals and updates; adds go in commits)`;
        return 'reject';
      }
    }
    return 'accept';
  };
  const result = await guarded('process', record, () => processMessage(msg, withHook, makePskIndex(withHook, {}), callback, suite1));
  if (result.kind !== 'newState' || seen === undefined) throw new MlsError('INTERNAL', 'process: the library did not report what the handshake message was');
  if (result.actionTaken === 'reject') throw new MlsError('REJECTED', `process: refused ${refusal ?? 'the message'}`);
  const next = result.newState;

  if (seen.kind === 'proposal') {
    const senderLeaf = seen.proposal.senderLeafIndex;
    if (senderLeaf === undefined) throw new MlsError('REJECTED', 'process: proposals from non-members are not accepted');
    const sender = await checkedSender(check, record, cs.ratchetTree, senderLeaf, 'process');
    const p = seen.proposal.proposal;
    let proposal: MlsProposal;
    if (p.proposalType === 'remove') {
      const target = leafNodeAt(cs.ratchetTree, p.remove.removed);
      if (target === undefined) throw new MlsError('REJECTED', `process: a proposal to remove blank leaf ${p.remove.removed}`);
      proposal = { type: 'remove', target: memberOf(p.remove.removed, target) };
    } else if (p.proposalType === 'update') {
      proposal = { type: 'update', member: sender };
    } else {
      throw new MlsError('INTERNAL', 'process: a proposal type the policy refuses was accepted');
    }
    return { kind: 'proposal', state: wrap(next), epoch: Number(epoch), sender, proposal };
  }

  // A commit. The committer is a member (checked against the tree it committed in) or, for an
  // external commit, the device that joined (its new leaf was checked by the library's hook call).
  const effects = commitEffects(cs, next);
  const selfRemoved = next.groupActiveState.kind === 'removedFromGroup';
  let sender: MlsMember;
  let external = false;
  if (seen.senderLeafIndex !== undefined) {
    sender = await checkedSender(check, record, cs.ratchetTree, seen.senderLeafIndex, 'process');
  } else {
    external = true;
    const path = msg.wireformat === 'mls_public_message' && msg.publicMessage.content.contentType === 'commit' ? msg.publicMessage.content.commit.path : undefined;
    const joiner = path === undefined ? undefined : membersOf(next).find((m) => constantTimeEqual(m.signaturePublicKey, path.leafNode.signaturePublicKey));
    if (joiner === undefined) throw new MlsError('INTERNAL', 'process: an external commit whose joiner is not in the new tree');
    sender = joiner;
  }
  return { kind: 'commit', state: wrap(next), epoch: Number(next.groupContext.epoch), sender, external, ...effects, selfRemoved };
}

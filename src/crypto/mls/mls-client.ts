// The adapter's facade: one object per device that holds the authentication hook, so no
// operation can forget it, and offers every group operation on plain bytes and our own types.
import type { CredentialCheck } from './auth-hook.js';
import type { MlsDevice } from './device.js';
import { addMembers, removeMembers, selfUpdate, type MlsAddCommit, type MlsCommit, type MlsRemoveTarget } from './group-commit.js';
import { createGroup } from './group-create.js';
import { groupInfo } from './group-info.js';
import { joinExternal, joinFromWelcome } from './group-join.js';
import { epoch, groupId, isActive, members, ownLeaf, type MlsMember } from './group-members.js';
import { processIncoming, type MlsProcessed } from './group-process.js';
import { encrypt, proposeLeave, type MlsSealed } from './group-send.js';
import type { MlsGroupState } from './group-state.js';
import { generateKeyPackages, inspectKeyPackage, type KeyPackageOptions, type MlsKeyPackage, type MlsKeyPackageInfo } from './key-packages.js';
import { MlsError } from './mls-error.js';
import { decodeState, encodeState } from './state-codec.js';

/** How an MlsClient is made. */
export interface MlsClientOptions {
  /**
   * Called for every credential a group operation accepts: key packages being added, every leaf of
   * a tree being joined, committers, external joiners and the sender of every message. sealcast's
   * client answers from the account's device list signed by its identity key.
   */
  authenticate: CredentialCheck;
}

/**
 * MLS (RFC 9420, cipher suite 1) for one device, over ts-mls. Every method takes and returns plain
 * bytes and the adapter's types; group states are immutable values (each call returns the next).
 * Failures are MlsError with a stable code.
 */
export class MlsClient {
  private readonly check: CredentialCheck;

  constructor(options: MlsClientOptions) {
    if (options === null || typeof options !== 'object' || typeof options.authenticate !== 'function') {
      throw new MlsError('BAD_INPUT', 'MlsClient: expected { authenticate: (name, deviceId, signaturePublicKey) => boolean | Promise<boolean> }');
    }
    this.check = options.authenticate;
  }

  /** `count` fresh key packages of `device` (one-time; or last-resort with options.lastResort). */
  generateKeyPackages(device: MlsDevice, count: number, options?: KeyPackageOptions): Promise<MlsKeyPackage[]> {
    return generateKeyPackages(device, count, options);
  }

  /** What a key package says, after checking its signatures (no authentication hook). */
  async inspectKeyPackage(publicBytes: Uint8Array): Promise<MlsKeyPackageInfo> {
    return (await inspectKeyPackage(publicBytes)).info;
  }

  /** A new group whose only member is `device` (epoch 0). */
  createGroup(id: Uint8Array, device: MlsDevice): Promise<MlsGroupState> {
    return createGroup(this.check, id, device);
  }

  /** Adds devices by key package: commit, Welcome, GroupInfo and the next state. */
  addMembers(state: MlsGroupState, keyPackages: readonly Uint8Array[]): Promise<MlsAddCommit> {
    return addMembers(this.check, state, keyPackages);
  }

  /** Removes devices (leaf indexes or (name, deviceId)): commit, GroupInfo and the next state. */
  removeMembers(state: MlsGroupState, targets: readonly MlsRemoveTarget[]): Promise<MlsCommit> {
    return removeMembers(this.check, state, targets);
  }

  /** Fresh keys for this device (and commits any pending proposals): commit, GroupInfo, next state. */
  selfUpdate(state: MlsGroupState): Promise<MlsCommit> {
    return selfUpdate(this.check, state);
  }

  /** An application message (PrivateMessage) and the next state. */
  encrypt(state: MlsGroupState, plaintext: Uint8Array, authenticatedData?: Uint8Array): Promise<MlsSealed> {
    return encrypt(this.check, state, plaintext, authenticatedData);
  }

  /** A proposal that removes this device, for the others to commit (leaving a group). */
  proposeLeave(state: MlsGroupState): Promise<{ proposal: Uint8Array; state: MlsGroupState }> {
    return proposeLeave(this.check, state);
  }

  /** Processes one delivered message: application data, a commit, or a proposal. */
  process(state: MlsGroupState, message: Uint8Array): Promise<MlsProcessed> {
    return processIncoming(this.check, state, message);
  }

  /** Joins from a Welcome with the private bytes of the key package it names. */
  joinFromWelcome(welcome: Uint8Array, keyPackagePrivate: Uint8Array): Promise<MlsGroupState> {
    return joinFromWelcome(this.check, welcome, keyPackagePrivate);
  }

  /** Joins by external commit from a GroupInfo: the commit to send and the state to adopt. */
  joinExternal(info: Uint8Array, device: MlsDevice): Promise<{ commit: Uint8Array; state: MlsGroupState; resync: boolean }> {
    return joinExternal(this.check, info, device);
  }

  /** The current GroupInfo (with ratchet tree and external public key), signed by this device. */
  groupInfo(state: MlsGroupState): Promise<Uint8Array> {
    return groupInfo(state);
  }

  /** The group's members, by leaf. */
  members(state: MlsGroupState): MlsMember[] {
    return members(state);
  }

  /** The current epoch. */
  epoch(state: MlsGroupState): number {
    return epoch(state);
  }

  /** The group id. */
  groupId(state: MlsGroupState): Uint8Array {
    return groupId(state);
  }

  /** This device's leaf index. */
  ownLeaf(state: MlsGroupState): number {
    return ownLeaf(state);
  }

  /** False once a processed commit removed this device. */
  isActive(state: MlsGroupState): boolean {
    return isActive(state);
  }

  /** Versioned, checksummed bytes of a state (secret: persist them as the identity is persisted). */
  encodeState(state: MlsGroupState): Uint8Array {
    return encodeState(state);
  }

  /** A state from encodeState's bytes (BAD_STATE when damaged). */
  decodeState(bytes: Uint8Array): MlsGroupState {
    return decodeState(bytes);
  }
}

// The public shapes of the v2 client (SealcastAccount): options, events, and what the user sees.
import type { Identity } from '../../crypto/index.js';
import type { ServerFrame } from '../../protocol/index.js';
import type { BackoffOptions } from '../backoff.js';
import type { RejectionCode } from '../client-types.js';
import type { RetiredIdentityStore } from '../identity-ring.js';
import type { Connector } from '../socket-like.js';
import type { ClientStorage } from '../storage.js';
import type { ConversationMeta } from './group-store.js';

export type { ConversationMeta } from './group-store.js';

/** How a SealcastAccount is set up. */
export interface AccountOptions {
  /** wss://HOST:PORT/ws */
  url: string;
  /** The account's name (canonical form is lower case). */
  name: string;
  /** The account's identity key; every device of the account holds it (it signs the device list). */
  identity: Identity;
  connector: Connector;
  /** Where this device keeps its key, its MLS states, pinned keys and replay window. */
  storage: ClientStorage;
  /** What this device is called in the account's device list ("laptop"; 0-32 characters). */
  deviceLabel?: string;
  clientName?: string;
  autoReconnect?: boolean;
  backoff?: BackoffOptions;
  requestTimeoutMs?: number;
  /**
   * True (default): the device's receiving session, which takes its queue. False: a short
   * session (one-shot commands, a second browser tab) that asks and looks up but never takes
   * the queue and never disturbs the receiving session.
   */
  receive?: boolean;
  /** Join Everyone at login when not in it yet (default true for receiving sessions). */
  joinEveryone?: boolean;
  retiredIdentities?: Identity[];
  retiredStore?: RetiredIdentityStore;
  /**
   * Awaited after a message is shown and before it is acknowledged, so an app can make it
   * durable first (the server deletes what a device acknowledged).
   */
  beforeAck?: (message: AccountMessage) => Promise<void>;
}

/** A message as the user sees it: from a conversation (MLS), or a v1 envelope to our identity. */
export interface AccountMessage {
  /** 32 hex digits: the sender's id. */
  id: string;
  from: string;
  /** The sending device (hex), or "" for a v1 sender. */
  device: string;
  /** The conversation, or undefined for a v1 envelope (then `toAll` says whether it was to everyone). */
  conversation: ConversationMeta | undefined;
  toAll: boolean;
  text: string;
  ts: number;
  serverTs: number;
  /** v1 envelopes: signed by the key we trust for the sender. MLS messages: always (the hook checked the device). */
  verified: boolean;
}

/** One of the account's devices, as its signed list says. */
export interface DeviceView {
  /** Hex device id. */
  id: string;
  label: string;
  addedAt: number;
  /** This device. */
  current: boolean;
}

/** Events of SealcastAccount. */
export interface AccountEvents extends Record<string, unknown> {
  connected: { name: string; reconnect: boolean; registered: boolean };
  message: AccountMessage;
  /** A v1 envelope that failed verification (acknowledged with the code, so its sender learns of it). */
  rejected: { id: string; from: string; code: RejectionCode; reason: string };
  duplicate: { id: string; from: string };
  delivered: { id: string; by: string };
  refused: { id: string; by: string; code: string };
  /** This device joined a conversation (welcomed, by external commit, or made it). */
  joined: { conversation: ConversationMeta; how: 'welcome' | 'external' | 'created' };
  /** Members came or went, or the title changed. */
  changed: { conversation: ConversationMeta; added: string[]; removed: string[]; by: string };
  /** This device is out of a conversation. */
  left: { conversation: ConversationMeta; reason: string };
  /** This device rejoined a conversation by external commit: what was sent meanwhile cannot be read. */
  rejoined: { conversation: ConversationMeta; reason: string };
  /** A conversation message that could not be read. */
  unreadable: { conversation: string; from: string; reason: string };
  /** An account we know listed a device we had not seen: a new phone, or someone else's key. */
  deviceAdded: { name: string; deviceId: string; label: string };
  /** An account's identity differs from the one pinned: nothing from it is trusted until accepted. */
  keyChanged: { name: string; previous: string; current: string };
  /** A contact came online or went offline. */
  presence: { name: string; online: boolean };
  disconnected: { code: number; reason: string; willReconnect: boolean };
  reconnected: { attempt: number };
  frame: ServerFrame;
  error: { code: string; message: string };
}
